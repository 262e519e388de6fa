// The dashboard: signs in with an API key (kept for this tab only), then reads the request log
// through the gateway's own API: /admin/logs for admin keys, /v1/logs for any other key.
const $ = (id) => document.getElementById(id);
const KEY_STORAGE = "switchyard.key";
const REFRESH_MS = 2000;

let session;
let timer;
const charts = {};
const seen = new Set();

async function api(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE)}` } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(body.error?.message ?? `HTTP ${response.status}`), { status: response.status });
  return body;
}

const logsBase = () => (session.role === "admin" ? "/admin/logs" : "/v1/logs");
const money = (usd) => `$${usd.toFixed(usd >= 1 ? 2 : 6)}`;
const percent = (ratio) => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : "–");

async function signIn(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
  try {
    session = await api("/ui/session");
  } catch (error) {
    sessionStorage.removeItem(KEY_STORAGE);
    throw error;
  }
  $("sign-in").hidden = true;
  $("dashboard").hidden = false;
  $("who").hidden = false;
  $("sign-out").hidden = false;
  $("who").textContent = `${session.key_name}${session.team ? ` (${session.team})` : ""} · ${session.role}`;
  if (session.role !== "admin") $("spend-group").value = "model";
  await refresh(true);
  timer = setInterval(() => refresh(false).catch(showError), REFRESH_MS);
}

function signOut() {
  sessionStorage.removeItem(KEY_STORAGE);
  clearInterval(timer);
  location.reload();
}

function showError(error) {
  console.error(error);
  if (error.status === 401) signOut();
}

/** The stream every two seconds; the charts with it on the first call and every fifth after. */
let ticks = 0;
async function refresh(all) {
  await refreshStream();
  if (all || ++ticks % 5 === 0) await refreshCharts();
}

async function refreshStream() {
  const page = await api(`${logsBase()}?limit=50`);
  const body = $("stream").querySelector("tbody");
  const rows = page.data.map((entry) => {
    const tr = document.createElement("tr");
    if (seen.size > 0 && !seen.has(entry.request_id)) tr.className = "new";
    const cells = [
      new Date(entry.time).toLocaleTimeString(),
      entry.outcome,
      entry.status,
      entry.model,
      entry.deployment_id || "–",
      entry.key_name || "–",
      `${entry.prompt_tokens}/${entry.completion_tokens}`,
      money(entry.cost_usd),
      `${entry.latency_ms.toFixed(1)} ms`,
      entry.request_id,
    ];
    for (const [i, text] of cells.entries()) {
      const td = document.createElement("td");
      td.textContent = String(text);
      if (i === 1) td.className = `outcome-${entry.outcome}`;
      tr.append(td);
    }
    tr.dataset.requestId = entry.request_id;
    tr.addEventListener("click", () => showRequest(entry.request_id).catch(showError));
    return tr;
  });
  for (const entry of page.data) seen.add(entry.request_id);
  body.replaceChildren(...rows);
}

function chart(id, config) {
  charts[id]?.destroy();
  charts[id] = new Chart($(id), {
    ...config,
    options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options },
  });
}

/** Buckets as chart labels, and per group the values a row gives. */
function series(stats, value) {
  const labels = [...new Set(stats.data.map((r) => r.time))];
  const groups = [...new Set(stats.data.map((r) => r.group))];
  const datasets = groups.map((group) => ({
    label: group || "all",
    data: labels.map((time) => {
      const row = stats.data.find((r) => r.time === time && r.group === group);
      return row ? value(row) : 0;
    }),
  }));
  return {
    labels: labels.map((t) => new Date(t).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })),
    datasets,
  };
}

async function refreshCharts() {
  const rangeS = Number($("range").value);
  const from = new Date(Date.now() - rangeS * 1000).toISOString();
  const base = `${logsBase()}/stats?from=${encodeURIComponent(from)}`;
  const [total, spend, outcomes, deployments, month] = await Promise.all([
    api(base),
    api(`${base}&group_by=${$("spend-group").value}`),
    api(`${base}&group_by=outcome`),
    api(`${base}&group_by=deployment&bucket=${rangeS}`),
    api(`${logsBase()}/stats?group_by=key&from=${encodeURIComponent(monthStart())}&bucket=${31 * 86400}`),
  ]);

  const sum = (key) => total.data.reduce((n, r) => n + r[key], 0);
  const requests = sum("requests");
  $("tile-requests").textContent = String(requests);
  $("tile-errors").textContent = requests ? percent(sum("failed") / requests) : "–";
  $("tile-spend").textContent = money(sum("cost_usd"));
  const looked = sum("cache_hits") + sum("cache_misses");
  $("tile-cache").textContent = looked ? percent(sum("cache_hits") / looked) : "–";

  chart("chart-spend", {
    type: "bar",
    data: series(spend, (r) => r.cost_usd),
    options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "USD" } } } },
  });
  chart("chart-outcomes", {
    type: "bar",
    data: series(outcomes, (r) => r.requests),
    options: { scales: { x: { stacked: true }, y: { stacked: true } } },
  });
  const byDeployment = deployments.data.filter((r) => r.group);
  chart("chart-deployments", {
    type: "bar",
    data: {
      labels: byDeployment.map((r) => r.group),
      datasets: [
        { label: "mean latency (ms)", data: byDeployment.map((r) => r.latency_ms_avg), yAxisID: "y" },
        { label: "max latency (ms)", data: byDeployment.map((r) => r.latency_ms_max), yAxisID: "y" },
        { label: "error rate", type: "line", data: byDeployment.map((r) => r.failed / r.requests), yAxisID: "rate" },
      ],
    },
    options: {
      scales: {
        y: { title: { display: true, text: "ms" } },
        rate: { position: "right", min: 0, max: 1, grid: { drawOnChartArea: false } },
      },
    },
  });
  const cache = series(total, (r) => (r.cache_hits + r.cache_misses ? r.cache_hits / (r.cache_hits + r.cache_misses) : null));
  chart("chart-cache", {
    type: "line",
    data: { labels: cache.labels, datasets: cache.datasets.map((d) => ({ ...d, label: "hit ratio", spanGaps: true })) },
    options: { scales: { y: { min: 0, max: 1 } } },
  });
  chart("chart-month", {
    type: "bar",
    data: {
      labels: month.data.map((r) => r.group || "(none)"),
      datasets: [{ label: "USD this month", data: month.data.map((r) => r.cost_usd) }],
    },
    options: { indexAxis: "y" },
  });
}

function monthStart() {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

/** One request's routing: strategy, cache, every attempt in order with its status and time. */
async function showRequest(id) {
  const entry = await api(`${logsBase()}/${encodeURIComponent(id)}`);
  const event = entry.usage_event ?? {};
  $("request-id").textContent = id;
  const facts = [
    ["model", entry.model],
    ["strategy", entry.strategy || "–"],
    ["answered by", entry.deployment_id || "–"],
    ["outcome", `${entry.outcome} (${entry.status})`],
    ["cache", entry.cache || "–"],
    ["tokens", `${entry.prompt_tokens} in, ${entry.completion_tokens} out`],
    ["cost", money(entry.cost_usd)],
    ["latency", `${entry.latency_ms.toFixed(1)} ms${entry.ttft_ms ? `, first token ${entry.ttft_ms.toFixed(1)} ms` : ""}`],
    ...(entry.error_code ? [["error", entry.error_code]] : []),
  ];
  $("request-facts").replaceChildren(
    ...facts.flatMap(([term, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = String(value);
      return [dt, dd];
    }),
  );
  const attempts = event.attempts ?? [];
  chart("chart-attempts", {
    type: "bar",
    data: {
      labels: attempts.map((a, i) => `${i + 1}. ${a.deploymentId} → ${a.status ?? 0}${a.errorCode ? ` ${a.errorCode}` : ""}`),
      datasets: [
        {
          label: "attempt latency (ms)",
          data: attempts.map((a) => a.latencyMs ?? 0),
          backgroundColor: attempts.map((a) => ((a.status ?? 0) >= 200 && (a.status ?? 0) < 300 ? "#2f9e44" : "#c0392b")),
        },
      ],
    },
    options: { indexAxis: "y" },
  });
}

$("sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  $("sign-in-error").textContent = "";
  signIn($("api-key").value.trim()).catch((error) => {
    $("sign-in-error").textContent = error.status === 401 ? "That key is not valid." : error.message;
  });
});
$("sign-out").addEventListener("click", signOut);
$("range").addEventListener("change", () => refreshCharts().catch(showError));
$("spend-group").addEventListener("change", () => refreshCharts().catch(showError));

if (sessionStorage.getItem(KEY_STORAGE)) {
  signIn(sessionStorage.getItem(KEY_STORAGE)).catch(() => ($("sign-in").hidden = false));
} else {
  $("sign-in").hidden = false;
}
