// Puts the dashboard's static files in dist/ui: the page, its script and styles from src/ui, and
// Chart.js's browser build from node_modules (served by the ingress itself: no CDN, works offline).
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "ui");
mkdirSync(out, { recursive: true });
for (const file of readdirSync(join(root, "src", "ui"))) copyFileSync(join(root, "src", "ui", file), join(out, file));
const chartJs = dirname(createRequire(import.meta.url).resolve("chart.js"));
copyFileSync(join(chartJs, "chart.umd.min.js"), join(out, "chart.umd.min.js"));
