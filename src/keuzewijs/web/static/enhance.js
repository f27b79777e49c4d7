// Progressive enhancement only: the pages work without this file.
// Focuses the error summary after a failed submit, and lets the language switch on the form
// carry what was typed but not yet sent (without JavaScript it carries the last sent answers).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  // The 'scroll sideways' hint only where a table is wider than its box (without this file the
  // hint always shows, and the edge shadows show it anyway).
  function hints() {
    document.querySelectorAll(".grid-scroll").forEach(function (box) {
      var hint = box.previousElementSibling;
      if (hint && hint.classList.contains("scroll-hint")) hint.hidden = box.scrollWidth <= box.clientWidth + 1;
    });
  }
  hints();
  window.addEventListener("resize", hints);
  // The form page carries its typed answers; the advice page its weights, statements, SURE
  // answers and chosen option (form#state holds them all, with the profile token).
  var form = document.querySelector("form.profile") || document.getElementById("state");
  var link = document.getElementById("lang-switch");
  if (!form || !link) return;
  link.addEventListener("click", function () {
    var data = new URLSearchParams(new FormData(form));
    data.delete("csrf");
    data.delete("do");
    if (form.classList.contains("profile")) data.set("edit", "1");
    link.href = link.pathname + "?" + data.toString();
  });
});
