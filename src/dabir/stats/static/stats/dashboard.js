/* The supervision dashboard: the charts (Chart.js) drawn from the page's json_script data, right to
   left with Persian digits and the Vazirmatn font; instant sorting of the tables by a click on a header
   and instant filtering of their rows by the agency-name box. Without scripts the page still sorts and
   filters through its header links and its form: this only saves the round trips. */
(function () {
  "use strict";

  var FONT = "Vazirmatn, system-ui, sans-serif";
  var PALETTE = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#d63384", "#6c757d",
                 "#0dcaf0", "#ffc107"];

  function fa(value, digits) {
    if (value === null || value === undefined || isNaN(value)) return "—";
    return Number(value).toLocaleString("fa-IR", { maximumFractionDigits: digits === undefined ? 2 : digits });
  }

  // The same folding as the server's (ي/ك, diacritics, tatweel, half-spaces), enough to match names.
  function normal(text) {
    return (text || "").replace(/\u064a/g, "\u06cc").replace(/\u0643/g, "\u06a9")
      .replace(/[\u064b-\u065f\u0670\u0640]/g, "").replace(/[\u200c\u200d\s]+/g, " ").trim().toLowerCase();
  }

  function withParam(href, name, value) {
    var url = new URL(href, window.location.href);
    url.searchParams.set(name, value);
    return url.pathname + url.search;
  }

  // ---- tables -----------------------------------------------------------------------------------

  function cellValue(row, key) {
    var cell = row.querySelector('[data-k="' + key + '"]');
    return cell ? cell.getAttribute("data-v") : "";
  }

  function sortRows(table, key, dir) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var text = key === "agency";
    rows.sort(function (a, b) {
      var va = cellValue(a, key), vb = cellValue(b, key);
      if (va === "" || vb === "") return (va === "") - (vb === "");  // nothing measured: last either way
      var c = text ? va.localeCompare(vb, "fa") : parseFloat(va) - parseFloat(vb);
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function remember(table, key, dir) {
    // The downloads, the form and the address follow the order shown.
    var prefix = table.getAttribute("data-prefix") || "";
    var name = table.getAttribute("data-table");
    document.querySelectorAll('[data-export="' + name + '"]').forEach(function (link) {
      link.setAttribute("href", withParam(withParam(link.getAttribute("href"), prefix + "sort", key), prefix + "dir", dir));
    });
    var form = document.getElementById("dash-form");
    [[prefix + "sort", key], [prefix + "dir", dir]].forEach(function (pair) {
      var input = form && form.querySelector('input[type="hidden"][name="' + pair[0] + '"]');
      if (form && !input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        form.appendChild(input);
      }
      if (input) input.value = pair[1];
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", withParam(withParam(window.location.href, prefix + "sort", key), prefix + "dir", dir));
    }
  }

  function initSorting(table) {
    table.querySelectorAll("thead a.sort-link").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var th = link.closest("th");
        var key = link.getAttribute("data-key");
        var current = th.getAttribute("aria-sort");
        var dir = current === "ascending" ? "desc" : current === "descending" ? "asc" : link.getAttribute("data-first");
        table.querySelectorAll("thead th[aria-sort]").forEach(function (other) {
          other.removeAttribute("aria-sort");
          var mark = other.querySelector(".sort-mark");
          if (mark) mark.textContent = "";
        });
        th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
        link.querySelector(".sort-mark").textContent = dir === "asc" ? " ▴" : " ▾";
        sortRows(table, key, dir);
        remember(table, key, dir);
      });
    });
  }

  function initFilter(tables) {
    var box = document.getElementById("dash-q");
    if (!box) return;
    var help = document.getElementById("dash-q-help");
    if (help) help.classList.remove("d-none");
    box.addEventListener("input", function () {
      var wanted = normal(box.value);
      tables.forEach(function (table) {
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          row.hidden = wanted !== "" && normal(row.getAttribute("data-name")).indexOf(wanted) < 0;
        });
      });
    });
  }

  // ---- charts -----------------------------------------------------------------------------------

  function legend() {
    return { position: "bottom", rtl: true, textDirection: "rtl", labels: { boxWidth: 12, font: { family: FONT } } };
  }

  function tooltip(axis, suffix) {
    return {
      rtl: true, textDirection: "rtl",
      titleFont: { family: FONT }, bodyFont: { family: FONT },
      callbacks: {
        label: function (ctx) {
          var value = ctx.parsed[axis];
          return ctx.dataset.label + ": " + fa(value) + (value === null ? "" : suffix || "");
        }
      }
    };
  }

  function narrow() {
    return window.matchMedia("(max-width: 575.98px)").matches;
  }

  function shortLabel(scale, value) {
    var label = scale.getLabelForValue(value);
    var room = narrow() ? 16 : 24;  // a phone leaves the bars half the width otherwise
    return label.length > room ? label.slice(0, room - 1) + "…" : label;
  }

  function barHeight(box, count) {
    box.style.height = Math.max(160, 28 * count + 70) + "px";
  }

  function drawCharts(data) {
    var index = document.getElementById("chart-index");
    if (index) {
      // On a phone the legend takes a line per agency: grow the box so the lines keep their room.
      if (narrow()) index.parentNode.style.height = (230 + 26 * data.index.datasets.length) + "px";
      new window.Chart(index, {
        type: "line",
        data: {
          labels: data.index.labels,
          datasets: data.index.datasets.map(function (set, i) {
            var color = set.average ? "#212529" : PALETTE[i % PALETTE.length];
            return { label: set.label, data: set.data, borderColor: color, backgroundColor: color, tension: 0.2,
                     borderWidth: set.average ? 3 : 2, borderDash: set.average ? [6, 4] : [], pointRadius: 3 };
          })
        },
        options: {
          responsive: true, maintainAspectRatio: false, locale: "fa-IR",
          layout: { padding: { left: 30, right: 4 } },  // room for the last month's label at the left edge
          interaction: { mode: "nearest", intersect: false },
          scales: {
            x: { reverse: true, ticks: { font: { family: FONT } } },
            y: { position: "right", min: 0, max: 100, ticks: { font: { family: FONT }, callback: function (v) { return fa(v, 0); } } }
          },
          plugins: { legend: legend(), tooltip: tooltip("y") }
        }
      });
    }
    var paper = document.getElementById("chart-paper");
    if (paper) {
      barHeight(document.getElementById("box-paper"), data.paper.labels.length);
      new window.Chart(paper, {
        type: "bar",
        data: {
          labels: data.paper.labels,
          datasets: [
            { label: "الکترونیکی", data: data.paper.electronic, backgroundColor: "#198754" },
            { label: "کاغذی", data: data.paper.paper, backgroundColor: "#fd7e14" }
          ]
        },
        options: {
          indexAxis: "y", responsive: true, maintainAspectRatio: false, locale: "fa-IR",
          scales: {
            x: { stacked: true, reverse: true, beginAtZero: true,
                 ticks: { font: { family: FONT }, precision: 0, callback: function (v) { return fa(v, 0); } } },
            y: { stacked: true, position: "right",
                 ticks: { font: { family: FONT }, callback: function (v) { return shortLabel(this, v); } } }
          },
          plugins: { legend: legend(), tooltip: tooltip("x", " نامه") }
        }
      });
    }
    var pages = document.getElementById("chart-pages");
    if (pages) {
      barHeight(document.getElementById("box-pages"), data.pages.labels.length);
      new window.Chart(pages, {
        type: "bar",
        data: {
          labels: data.pages.labels,
          datasets: [{ label: "صفحه چاپی به ازای هر نامه", data: data.pages.data, backgroundColor: "#6f42c1" }]
        },
        options: {
          indexAxis: "y", responsive: true, maintainAspectRatio: false, locale: "fa-IR",
          scales: {
            x: { reverse: true, beginAtZero: true, ticks: { font: { family: FONT }, callback: function (v) { return fa(v); } } },
            y: { position: "right", ticks: { font: { family: FONT }, callback: function (v) { return shortLabel(this, v); } } }
          },
          plugins: { legend: { display: false }, tooltip: tooltip("x") }
        }
      });
    }
  }

  function init() {
    var tables = Array.prototype.slice.call(document.querySelectorAll("table[data-sortable]"));
    tables.forEach(initSorting);
    initFilter(tables);
    var source = document.getElementById("stats-data");
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    window.Chart.defaults.font.family = FONT;
    // Canvas text is drawn once: wait for Vazirmatn, or the labels come out in a fallback font.
    var ready = document.fonts && document.fonts.load ? document.fonts.load("12px Vazirmatn") : Promise.resolve();
    ready.then(function () { drawCharts(data); }, function () { drawCharts(data); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
