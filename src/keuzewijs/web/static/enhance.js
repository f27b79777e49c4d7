// Progressive enhancement only: the pages work without this file.
// Shows a slider's value while it moves, and focuses the error summary after a failed submit.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll('input[type="range"]').forEach(function (slider) {
    var out = document.getElementById(slider.id + "-out");
    if (!out) return;
    slider.addEventListener("input", function () { out.textContent = slider.value; });
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
