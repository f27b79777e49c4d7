// Progressive enhancement only: the pages work without this file.
// Focuses the error summary after a failed submit, and lets the language switch on the form
// carry what was typed but not yet sent (without JavaScript it carries the last sent answers).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  var form = document.querySelector("form.profile");
  var link = document.getElementById("lang-switch");
  if (!form || !link) return;
  link.addEventListener("click", function () {
    var data = new URLSearchParams(new FormData(form));
    data.delete("csrf");
    data.set("edit", "1");
    link.href = link.pathname + "?" + data.toString();
  });
});
