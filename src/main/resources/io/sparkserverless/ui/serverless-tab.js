/* The Serverless tab: draws the store's rows, written into the page as JSON, with the Spark UI's d3. */
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('serverless-data').textContent);
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function number(value, digits) {
    return value === undefined || value === null ? '' : Number(value).toFixed(digits);
  }

  /** A step chart of named series over time; each point is a circle with its series in data-series. */
  function chart(svgId, points, seriesNames, valueOf) {
    const svg = d3.select('#' + svgId);
    const width = +svg.attr('width');
    const height = +svg.attr('height');
    const margin = {top: 10, right: 160, bottom: 30, left: 50};
    if (points.length === 0) {
      svg.append('text').attr('x', margin.left).attr('y', height / 2).text('No data yet.');
      return;
    }
    const x = d3.scaleTime()
      .domain(d3.extent(points, p => new Date(p.second * 1000)))
      .range([margin.left, width - margin.right]);
    const maxValue = d3.max(seriesNames, name => d3.max(points, p => valueOf(p, name))) || 1;
    const y = d3.scaleLinear().domain([0, maxValue]).nice().range([height - margin.bottom, margin.top]);
    svg.append('g').attr('transform', `translate(0,${height - margin.bottom})`).call(d3.axisBottom(x).ticks(8));
    svg.append('g').attr('transform', `translate(${margin.left},0)`)
      .call(d3.axisLeft(y).ticks(Math.min(maxValue, 6)).tickFormat(d3.format('d')));
    seriesNames.forEach((name, index) => {
      const color = colors[index % colors.length];
      const line = d3.line().curve(d3.curveStepAfter)
        .x(p => x(new Date(p.second * 1000))).y(p => y(valueOf(p, name)));
      svg.append('path').datum(points).attr('class', 'series').attr('data-series', name)
        .attr('stroke', color).attr('d', line);
      svg.append('g').selectAll('circle').data(points).join('circle')
        .attr('class', 'point').attr('data-series', name).attr('data-value', p => valueOf(p, name))
        .attr('r', 2.5).attr('fill', color)
        .attr('cx', p => x(new Date(p.second * 1000))).attr('cy', p => y(valueOf(p, name)))
        .append('title').text(p => `${name}: ${valueOf(p, name)} at ${new Date(p.second * 1000).toLocaleTimeString()}`);
      svg.append('text').attr('x', width - margin.right + 10).attr('y', margin.top + 14 * index + 8)
        .attr('fill', color).text(name);
    });
  }

  function drawCharts() {
    const timeline = data.timeline || [];
    const tiers = Array.from(new Set(timeline.flatMap(p => Object.keys(p.executorsByTier || {}))))
      .sort((a, b) => parseFloat(a) * (a.endsWith('g') ? 1024 : 1) - parseFloat(b) * (b.endsWith('g') ? 1024 : 1));
    chart('executors-chart', timeline, tiers, (p, tier) => (p.executorsByTier || {})[tier] || 0);
    chart('slots-chart', timeline, ['task slots', 'running tasks'],
      (p, name) => name === 'task slots' ? p.slots : p.runningTasks);
  }

  function fillUsage() {
    const usage = data.usage;
    if (!usage) { return; }
    const report = usage.report;
    document.getElementById('usage-summary').textContent =
      (usage.summary || '') + ' (as of ' + new Date(usage.asOf).toLocaleTimeString() + ')';
    const body = document.querySelector('#usage-table tbody');
    const total = report.total.gbSeconds || 0;
    function add(by, who, use) {
      const row = document.createElement('tr');
      cell(row, by); cell(row, who); cell(row, number(use.gbSeconds, 1)); cell(row, number(use.coreSeconds, 1));
      cell(row, total > 0 ? number(100 * use.gbSeconds / total, 1) + ' %' : '');
      body.appendChild(row);
    }
    add('total', 'all executors', report.total);
    add('idle', 'no task', report.idle);
    Object.entries(report.byUser || {}).forEach(([user, use]) => add('user', user, use));
    Object.entries(report.byLane || {}).forEach(([lane, use]) => add('lane', lane || '(none)', use));
  }

  function fillLanes() {
    const body = document.querySelector('#lanes-table tbody');
    (data.lanes || []).forEach(lane => {
      const row = document.createElement('tr');
      row.dataset.lane = lane.lane;
      [lane.lane, lane.admitted, lane.running, lane.queued, lane.finished,
        lane.latencyP50Millis < 0 ? '' : lane.latencyP50Millis,
        lane.latencyP95Millis < 0 ? '' : lane.latencyP95Millis,
        lane.demoted, lane.rejected, lane.cancelled].forEach(value => cell(row, value));
      body.appendChild(row);
    });
  }

  function fillEscalations(decisions) {
    const body = document.querySelector('#escalations-table tbody');
    decisions.filter(d => d.kind === 'TierEscalationEvent').forEach(d => {
      const row = document.createElement('tr');
      const f = d.fields;
      [f.stageId, f.partition, f.fromTier, f.toTier, f.kind, f.decision].forEach(value => cell(row, value));
      body.appendChild(row);
    });
    const learned = decisions.filter(d => d.kind === 'LearnedTierStart' || d.kind === 'StageTierRaise')
      .map(d => d.text);
    document.getElementById('learned').textContent = learned.length === 0 ? '' : 'Learned: ' + learned.join(' ');
  }

  function fillDecisions(decisions) {
    const body = document.querySelector('#decisions-table tbody');
    const kinds = document.getElementById('filter-kind');
    Array.from(new Set(decisions.map(d => d.kind))).sort().forEach(kind => {
      const option = document.createElement('option');
      option.value = kind; option.textContent = kind;
      kinds.appendChild(option);
    });
    const rows = decisions.map(d => {
      const row = document.createElement('tr');
      row.className = 'decision severity-' + d.severity;
      row.dataset.kind = d.kind;
      row.dataset.stage = d.stageId >= 0 ? String(d.stageId) : '';
      row.dataset.operation = d.operationId;
      cell(row, new Date(d.time).toLocaleTimeString());
      cell(row, d.kind);
      cell(row, d.stageId >= 0 ? d.stageId : '');
      cell(row, d.operationId);
      cell(row, d.executorId);
      const text = cell(row, d.text, 'decision-text');
      const reasons = d.fields && (d.fields.reasons || d.fields.reason || d.fields.explanation);
      const reasonText = reasons ? (Array.isArray(reasons) ? reasons.join('; ') : String(reasons)) : '';
      if (reasonText && !d.text.includes(reasonText)) {
        const detail = document.createElement('div');
        detail.className = 'decision-reasons';
        detail.textContent = reasonText;
        text.appendChild(detail);
      }
      body.appendChild(row);
      return row;
    });
    const count = document.getElementById('decision-count');
    function apply() {
      const kind = kinds.value;
      const stage = document.getElementById('filter-stage').value.trim();
      const operation = document.getElementById('filter-operation').value.trim();
      let shown = 0;
      rows.forEach(row => {
        const visible = (!kind || row.dataset.kind === kind) && (!stage || row.dataset.stage === stage)
          && (!operation || row.dataset.operation.includes(operation));
        row.style.display = visible ? '' : 'none';
        if (visible) { shown++; }
      });
      count.textContent = `${shown} of ${rows.length} decisions`;
    }
    ['filter-kind', 'filter-stage', 'filter-operation'].forEach(id => {
      document.getElementById(id).addEventListener('input', apply);
      document.getElementById(id).addEventListener('change', apply);
    });
    document.getElementById('decision-filters').addEventListener('submit', e => e.preventDefault());
    apply();
  }

  const decisions = data.decisions || [];
  drawCharts();
  fillUsage();
  fillLanes();
  fillEscalations(decisions);
  fillDecisions(decisions);
  document.getElementById('serverless').dataset.ready = 'true';
})();
