// The review app's only script besides htmx: a CSV file picked on the dial page is read
// into the form's text area (so the form posts plain text; no multipart, no upload step).
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[type=file][data-fills]")) return;
  var target = document.getElementById(input.getAttribute("data-fills"));
  var file = input.files && input.files[0];
  if (!target || !file) return;
  file.text().then(function (text) {
    target.value = text;
  });
});
