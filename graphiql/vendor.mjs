// Copies the prebuilt browser bundles of the pinned packages (package-lock.json)
// into server/static/graphiql/vendor, with each package's licence and a
// SHA256SUMS file, so the server serves GraphiQL without a CDN or a Node build.
//
//   cd graphiql && npm ci && node vendor.mjs          (or: make graphiql-assets)
//   node vendor.mjs --check   fails when the committed files differ from node_modules
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const target = join(here, "..", "server", "static", "graphiql", "vendor");

// package -> [file in the package, name served under /graphiql-assets/vendor/]
const FILES = {
  react: [["umd/react.production.min.js", "react.production.min.js"]],
  "react-dom": [["umd/react-dom.production.min.js", "react-dom.production.min.js"]],
  graphiql: [
    ["graphiql.min.js", "graphiql.min.js"],
    ["graphiql.min.css", "graphiql.min.css"],
  ],
  "@graphiql/plugin-explorer": [
    ["dist/index.umd.js", "plugin-explorer.umd.js"],
    ["dist/style.css", "plugin-explorer.css"],
  ],
};

// The explorer plugin ships no licence file: it is MIT (its package.json), from
// the graphiql repository (whose LICENSE is graphiql's), and its bundle includes
// graphiql-explorer (MIT).
const LICENCES = {
  "@graphiql/plugin-explorer": [
    ["node_modules/graphiql-explorer/LICENSE", "graphiql-explorer"],
  ],
};

const check = process.argv.includes("--check");
const wanted = new Map();
const versions = [];
for (const [name, files] of Object.entries(FILES)) {
  const root = join(modules, name);
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  versions.push(`${name}@${manifest.version}`);
  for (const [source, served] of files) {
    // Source maps are not shipped; drop the comment that points at them.
    const text = readFileSync(join(root, source), "utf8").replace(
      /\n?\/[*/]# sourceMappingURL=\S+?(?: \*\/)?\s*$/,
      "\n",
    );
    wanted.set(served, text);
  }
  for (const [licence, holder] of LICENCES[name] ?? [["LICENSE", name]]) {
    const text = readFileSync(join(root, licence), "utf8");
    wanted.set(`LICENSE.${holder.replace("/", "__").replace("@", "")}`, text);
  }
}
wanted.set("VERSIONS", `${versions.join("\n")}\n`);
const sums = [...wanted.keys()]
  .sort()
  .map((name) => `${createHash("sha256").update(wanted.get(name)).digest("hex")}  ${name}`);
wanted.set("SHA256SUMS", `${sums.join("\n")}\n`);

if (check) {
  let stale = false;
  for (const [name, text] of wanted) {
    let present = null;
    try {
      present = readFileSync(join(target, name), "utf8");
    } catch {}
    if (present !== text) {
      console.error(`stale: server/static/graphiql/vendor/${name}`);
      stale = true;
    }
  }
  process.exit(stale ? 1 : 0);
}
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const [name, text] of wanted) writeFileSync(join(target, name), text);
console.log(`vendored ${versions.join(", ")} into server/static/graphiql/vendor`);
