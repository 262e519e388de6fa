// `npm run events`: a live tail of usage events, readable, with filters; no `nats` CLI needed.
import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import { type EventJson, formatEvent, matches, type TailFilter } from "./events-tail.js";

const USAGE = `Usage: npm run events -- [options]

Prints every usage event as it is published (switchyard.usage.>), one line each.

  --server <url>        NATS server (default: $NATS_URL or nats://127.0.0.1:4222)
  --key <name>          only this key's requests
  --team <name>         only this team's
  --model <name>        only this public model's
  --deployment <id>     only those this deployment answered
  --outcome <outcome>   success | cache_hit | rejected | failed | cancelled
  --json                print each event's JSON instead of a line
  -h, --help            this text`;

let options: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      server: { type: "string" },
      key: { type: "string" },
      team: { type: "string" },
      model: { type: "string" },
      deployment: { type: "string" },
      outcome: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
}
try {
  options = parse();
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.values.help) {
  console.log(USAGE);
  process.exit(0);
}

const { server, json, key, team, model, deployment, outcome } = options.values;
const filter: TailFilter = {
  ...(key !== undefined ? { key } : {}),
  ...(team !== undefined ? { team } : {}),
  ...(model !== undefined ? { model } : {}),
  ...(deployment !== undefined ? { deployment } : {}),
  ...(outcome !== undefined ? { outcome } : {}),
};
const url = server ?? process.env.NATS_URL ?? "nats://127.0.0.1:4222";
let nats: Awaited<ReturnType<typeof connect>>;
try {
  nats = await connect({ servers: url.split(","), name: "switchyard-events", maxReconnectAttempts: -1 });
} catch (error) {
  console.error(`cannot reach NATS at ${url}: ${(error as Error).message} (is the mesh running? npm start)`);
  process.exit(1);
}
// The outcome is the subject's last token: let the server filter it.
const subject = outcome ? `switchyard.usage.${outcome}` : "switchyard.usage.>";
const color = process.stdout.isTTY === true;
nats.subscribe(subject, {
  callback: (_error, message) => {
    let event: EventJson;
    try {
      event = JSON.parse(message.string()) as EventJson;
    } catch {
      return;
    }
    if (!matches(event, filter)) return;
    process.stdout.write(`${json ? message.string() : formatEvent(event, color)}\n`);
  },
});
// Once the server has the subscription, nothing published from now on is missed.
await nats.flush();
console.error(`listening on ${subject} at ${url}; Ctrl-C to stop`);
const stop = async () => {
  await nats.drain().catch(() => {});
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
