// Draws the charts of an llmap run report (the HTML written by `--report run.html` or `llmap report`).
// uPlot is inlined before this script; the report's JSON is in <script id="report-data">.
// Runs offline: nothing here fetches anything.
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var s = report.series;
  var COLORS = { blue: '#2563eb', orange: '#ea580c', red: '#dc2626', grey: '#9ca3af', green: '#16a34a', purple: '#7c3aed' };

  function fmtSeconds(sec) {
    sec = Math.round(sec);
    if (sec < 60) return sec + 's';
    if (sec < 3600) return Math.floor(sec / 60) + 'm' + (sec % 60 ? ' ' + (sec % 60) + 's' : '');
    return Math.floor(sec / 3600) + 'h' + (Math.floor(sec / 60) % 60 ? ' ' + (Math.floor(sec / 60) % 60) + 'm' : '');
  }
  // 12,500,000 as 12.5M: big counts must fit beside the axis.
  function fmtCompact(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return Number((v / 1e9).toPrecision(3)) + 'G';
    if (a >= 1e6) return Number((v / 1e6).toPrecision(3)) + 'M';
    if (a >= 1e4) return Number((v / 1e3).toPrecision(3)) + 'k';
    return String(Number(v.toPrecision(4)));
  }
  var countAxis = function (label, scale) {
    var axis = { label: label, size: 60, values: function (u, ticks) { return ticks.map(fmtCompact); } };
    if (scale) axis.scale = scale;
    return axis;
  };
  function cumulative(values) {
    var total = 0;
    return values.map(function (v) { return (total += v); });
  }
  // Seconds each point covers: the interval, except the last, which ends with the run.
  var widths = s.t.map(function (t, i) { return Math.max(1e-3, t - (i === 0 ? 0 : s.t[i - 1])); });
  function perSecond(values) {
    return values.map(function (v, i) { return v / widths[i]; });
  }
  // Every chart starts at 0 s, before the first point.
  var t0 = [0].concat(s.t);
  function from0(values, first) { return [first].concat(values); }

  // Whole seconds, then whole minutes and hours, so no two ticks read the same.
  var timeAxis = {
    label: 'time since start',
    incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400],
    values: function (u, ticks) { return ticks.map(fmtSeconds); },
  };
  function line(label, color, extra) {
    var o = { label: label, stroke: color, width: 2, spanGaps: true, points: { show: false } };
    for (var k in extra) o[k] = extra[k];
    return o;
  }

  function draw(id, opts, data) {
    var figure = document.getElementById(id);
    var host = figure.querySelector('.plot');
    var points = 0;
    for (var i = 1; i < data.length; i++) {
      for (var j = 0; j < data[i].length; j++) if (data[i][j] !== null && data[i][j] !== undefined) points++;
    }
    opts.width = host.clientWidth || 900;
    opts.height = 260;
    opts.hooks = {
      draw: [function () {
        // Read by the tests: how many values the chart has drawn.
        figure.dataset.points = String(points);
      }],
    };
    new uPlot(opts, data, host);
  }

  var intervalSeconds = s.intervalMs / 1000;
  var perLabel = intervalSeconds === 1 ? 'per second' : 'per second (mean over ' + fmtSeconds(intervalSeconds) + ')';

  // 1. Rows done against the ideal: a straight line from 0 to every row at the run's end.
  var done = cumulative(s.sent.map(function (v, i) { return v + s.cached[i] + s.skipped[i] + s.failed[i]; }));
  var duration = report.durationMs / 1000;
  var ideal = t0.map(function (t) { return duration > 0 ? (report.rows.total * t) / duration : report.rows.total; });
  draw('chart-rows', {
    scales: { x: { time: false } },
    axes: [timeAxis, countAxis('rows')],
    series: [{ label: 'time', value: function (u, v) { return v == null ? '' : fmtSeconds(v); } },
      line('rows done', COLORS.blue), line('at a steady pace', COLORS.grey, { dash: [6, 4], width: 1 })],
  }, [t0, from0(done, 0), ideal]);

  // 2. Requests, 429s and 5xx per second.
  draw('chart-requests', {
    scales: { x: { time: false } },
    axes: [timeAxis, { label: perLabel }],
    series: [{ label: 'time' }, line('requests/s', COLORS.blue), line('429/s', COLORS.orange), line('5xx/s', COLORS.red)],
  }, [s.t, perSecond(s.requests), perSecond(s.rateLimited), perSecond(s.serverErrors)]);

  // 3. The adaptive concurrency limit: it changes in steps.
  draw('chart-concurrency', {
    scales: { x: { time: false } },
    axes: [timeAxis, { label: 'calls in flight at most' }],
    series: [{ label: 'time' }, line('concurrency limit', COLORS.purple, { paths: uPlot.paths.stepped({ align: -1 }) })],
  }, [s.t, s.concurrency]);

  // 4. Latency percentiles over time.
  draw('chart-latency', {
    scales: { x: { time: false } },
    axes: [timeAxis, { label: 'ms' }],
    series: [{ label: 'time' }, line('p50', COLORS.blue), line('p95', COLORS.orange)],
  }, [s.t, s.latencyP50, s.latencyP95]);

  // 5. Latency histogram: bins double every four steps, so the x axis is logarithmic in effect.
  var h = s.latencyHistogram;
  draw('chart-histogram', {
    scales: { x: { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } } },
    axes: [{ label: 'latency, ms (at most)', values: function (u, ticks) {
      return ticks.map(function (i) { return Number.isInteger(i) && h.upperMs[i] !== undefined ? String(h.upperMs[i]) : ''; });
    } }, countAxis('rows')],
    series: [{ label: 'bin' }, line('rows', COLORS.blue, { fill: COLORS.blue + '55', paths: uPlot.paths.bars({ size: [0.9, 60] }) })],
  }, [h.counts.map(function (_, i) { return i; }), h.counts]);

  // 6. Tokens and cost, cumulative.
  var tokenSeries = [{ label: 'time' }, line('input tokens', COLORS.blue, { scale: 'tokens' }), line('output tokens', COLORS.green, { scale: 'tokens' })];
  var tokenData = [t0, from0(cumulative(s.inputTokens), 0), from0(cumulative(s.outputTokens), 0)];
  var tokenAxes = [timeAxis, countAxis('tokens', 'tokens')];
  if (report.price) {
    var price = report.price;
    tokenSeries.push(line('cost, US$', COLORS.red, { scale: 'usd', dash: [4, 3], value: function (u, v) { return v == null ? '' : '$' + v.toFixed(4); } }));
    tokenData.push(from0(tokenData[1].slice(1).map(function (input, i) {
      return (input * price.input + tokenData[2][i + 1] * price.output) / 1e6;
    }), 0));
    tokenAxes.push({
      label: 'US$', scale: 'usd', side: 1, grid: { show: false }, size: 80,
      // Two significant digits: a run costing a fraction of a cent still gets readable ticks.
      values: function (u, ticks) { return ticks.map(function (v) { return v === 0 ? '$0' : '$' + Number(v.toPrecision(2)); }); },
    });
  }
  draw('chart-tokens', { scales: { x: { time: false } }, axes: tokenAxes, series: tokenSeries }, tokenData);

  // 7. Rows finished per second by where the answer came from.
  draw('chart-cache', {
    scales: { x: { time: false } },
    axes: [timeAxis, { label: 'rows ' + perLabel }],
    series: [{ label: 'time' }, line('sent', COLORS.blue), line('cached', COLORS.green), line('failed', COLORS.red)],
  }, [s.t, perSecond(s.sent), perSecond(s.cached), perSecond(s.failed)]);
})();
