// Second FHIRPath engine for tests/fhir/test_fhirpath_equivalence.py: fhirpath.js (HL7's
// reference JavaScript implementation, npm `fhirpath`, installed into build/fhirpath by
// scripts/setup-test-deps.sh) with the R4 model.
// stdin:  {"expressions": [string], "profiles": [QuestionnaireResponse]}
// stdout: {"results": [[result of expression i on profile j as %profile]]} where an expression
//         that fails gives {"error": message} in its cells.
"use strict";
const path = require("path");
const root = path.resolve(__dirname, "..", "..", "build", "fhirpath", "node_modules", "fhirpath");
const fhirpath = require(root);
const r4 = require(path.join(root, "fhir-context", "r4"));

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { expressions, profiles } = JSON.parse(input);
  const results = expressions.map((expression) => {
    let compiled;
    try {
      compiled = fhirpath.compile(expression, r4);
    } catch (err) {
      return profiles.map(() => ({ error: String(err.message || err) }));
    }
    return profiles.map((profile) => {
      try {
        return compiled({}, { profile: profile });
      } catch (err) {
        return { error: String(err.message || err) };
      }
    });
  });
  process.stdout.write(JSON.stringify({ results: results, version: require(path.join(root, "package.json")).version }));
});
