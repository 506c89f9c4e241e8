// The job page's live bar: polls the job's JSON status every second and updates the
// progress bar, the count, the pace and the status in place; once the job has finished
// it reloads the page once, which then shows the result (and no longer refreshes).
// Without script the page refreshes itself every 2 s instead (its <meta http-equiv=
// "refresh"> sits in a <noscript>, so it does not reload the page under this poller).
(function () {
  "use strict";

  var root = document.getElementById("job");
  if (!root || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-status-url");
  var bar = document.getElementById("job-bar");
  var count = document.getElementById("job-count");
  var pace = document.getElementById("job-pace");
  var status = document.getElementById("job-status");
  var INTERVAL = 1000;
  var failures = 0;

  function show(state) {
    if (state.total) {
      bar.max = state.total;
      bar.value = state.progress;
      bar.textContent = state.percent + "%";
      count.textContent = state.progress + " of " + state.total + " (" + state.percent + " %)";
    } else if (state.progress) {
      count.textContent = state.progress + " done";
    }
    pace.textContent = state.pace || "";
    status.textContent = state.status;
    status.className = "status status-" + state.status;
    root.setAttribute("data-status", state.status);
    root.setAttribute("data-progress", String(state.progress));
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        show(state);
        if (state.finished) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, INTERVAL);
      })
      .catch(function () {
        // A server restarting, a lost connection: keep trying, less often.
        failures += 1;
        window.setTimeout(poll, Math.min(30000, INTERVAL * Math.pow(2, failures)));
      });
  }

  window.setTimeout(poll, INTERVAL);
})();
