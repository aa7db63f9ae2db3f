// The numbers page: each routes form's running sum of probabilities as you type, marked
// invalid while it is not 100. The server checks the sum again with the API's rule, so
// the page works the same without this file.
(function () {
  if (window.switchyardRouteSums) return; // htmx may run this file again after a swap
  window.switchyardRouteSums = true;

  function update(form) {
    var output = form.querySelector("[data-route-sum]");
    if (!output) return;
    var sum = 0;
    var any = false;
    form.querySelectorAll("input[data-probability]").forEach(function (input) {
      var text = input.value.trim();
      if (text === "") return;
      any = true;
      sum += /^-?\d+$/.test(text) ? parseInt(text, 10) : 0;
    });
    var ok = !any || sum === 100;
    output.textContent = any ? "Sum: " + sum + "%" : "No routes";
    output.className = ok ? "ok" : "invalid";
  }

  function updateAll() {
    document.querySelectorAll("form[data-routes]").forEach(update);
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-routes]");
    if (form) update(form);
  });
  document.addEventListener("htmx:load", updateAll);
  updateAll();
})();
