/**
 * The demo page. The download runs through `fetch` so the page can show its progress and cancel
 * it (a cancelled fetch closes the connection: the server sees the client leave); "slow
 * connection" reads at about 1 MB/s, like a phone, so there is time to watch the cursor.
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sluice CSV export demo</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; padding: 0 1rem; }
  dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
  dd { margin: 0; font-variant-numeric: tabular-nums; }
  table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #ddd; padding: .2rem .4rem; text-align: left; }
  button { font: inherit; padding: .3rem .8rem; }
</style>
</head>
<body>
<h1>CSV export</h1>
<p>Exports: <a id="link" href="/orders.csv" download="orders.csv">orders.csv</a> (a plain browser download).</p>
<p>
  <label><input type="checkbox" id="slow" checked> slow connection (about 1 MB/s)</label>
  <button id="start">Start export</button>
  <button id="cancel" disabled>Cancel</button>
  <span id="progress" data-bytes="0" data-state="idle">idle</span>
</p>
<h2>Server</h2>
<dl>
  <dt>database</dt><dd id="database">…</dd>
  <dt>open cursors</dt><dd id="openCursors">…</dd>
  <dt>cursors opened</dt><dd id="cursorsOpened">…</dd>
  <dt>checked-out connections</dt><dd id="checkedOut">…</dd>
  <dt>runs in flight</dt><dd id="runsInFlight">…</dd>
</dl>
<h2>Running exports</h2>
<table><thead><tr><th>rows read</th><th>bytes sent</th><th>cursor</th><th>elapsed</th></tr></thead><tbody id="running"></tbody></table>
<h2>Finished exports</h2>
<table><thead><tr><th>outcome</th><th>rows</th><th>bytes</th><th>cursor held</th><th>response</th></tr></thead><tbody id="exports"></tbody></table>
<script>
const $ = (id) => document.getElementById(id);
let controller = null;
function show(state, bytes) {
  const p = $('progress');
  p.dataset.state = state;
  p.dataset.bytes = String(bytes);
  p.textContent = state + ', ' + bytes.toLocaleString('en-US') + ' bytes';
}
$('start').onclick = async () => {
  controller = new AbortController();
  $('start').disabled = true;
  $('cancel').disabled = false;
  let bytes = 0;
  try {
    const response = await fetch('/orders.csv', { signal: controller.signal });
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      show('downloading', bytes);
      if ($('slow').checked) await new Promise((resolve) => setTimeout(resolve, value.length / 1000));
    }
    show('done', bytes);
  } catch (error) {
    show(controller.signal.aborted ? 'cancelled' : 'failed', bytes);
  } finally {
    $('start').disabled = false;
    $('cancel').disabled = true;
  }
};
$('cancel').onclick = () => controller && controller.abort();
const events = new EventSource('/events');
events.onmessage = (event) => {
  const c = JSON.parse(event.data);
  for (const key of ['database', 'openCursors', 'cursorsOpened', 'runsInFlight']) $(key).textContent = c[key];
  $('checkedOut').textContent = c.checkedOut === null ? 'n/a (embedded SQLite)' : c.checkedOut;
  $('running').innerHTML = c.running.map((r) =>
    '<tr><td data-rows="' + r.rowsRead + '">' + r.rowsRead.toLocaleString('en-US') + '</td><td data-bytes="' + r.bytesSent + '">' +
    r.bytesSent.toLocaleString('en-US') + '</td><td>' + r.cursor + '</td><td>' + (r.elapsedMs / 1000).toFixed(1) + ' s</td></tr>').join('');
  $('exports').innerHTML = c.exports.map((e) =>
    '<tr><td>' + e.outcome + '</td><td>' + e.rows + '</td><td>' + e.bytes + '</td><td>' + e.heldMs.toFixed(0) + ' ms</td><td>' + e.durationMs.toFixed(0) + ' ms</td></tr>').join('');
};
</script>
</body>
</html>
`;
