// Tokenizes the shipped policies with the TextMate grammar (the engine VS Code uses) and
// checks the scopes of a few tokens: the grammar compiles under Oniguruma and colours
// keywords, strings, literals and comments as intended.
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = path.join(__dirname, "..");
const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;

async function main() {
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      vsctm.parseRawGrammar(
        fs.readFileSync(path.join(here, "syntaxes/edict.tmLanguage.json"), "utf8"),
        "edict.tmLanguage.json",
      ),
  });
  const grammar = await registry.loadGrammar("source.edict");
  const scopesOf = (text) => {
    let stack = vsctm.INITIAL;
    const out = [];
    for (const line of text.split("\n")) {
      const r = grammar.tokenizeLine(line, stack);
      for (const t of r.tokens) {
        out.push([line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]]);
      }
      stack = r.ruleStack;
    }
    return out;
  };
  const expect = (tokens, text, scope) => {
    const hit = tokens.find(([t, s]) => t === text && s === scope);
    if (!hit) {
      const seen = tokens.filter(([t]) => t === text).map(([, s]) => s);
      throw new Error(`\`${text}\` should be ${scope}; got ${JSON.stringify(seen)}`);
    }
  };
  const sample = [
    '// 一 春节期间发货时效延长',
    'announcement festival "春节发货调整" {',
    "  published approximately 2024-01-20 10:00:00",
    "}",
    'exception base.ship_by as extend cites "一" {',
    "  when order.paid_at in [2024-02-01 00:00:00, 2024-02-10 23:59:59]",
    '    and order.sender_region in regions { "贵州省遵义市" }',
    "  then overridden + 72h",
    "}",
    "value rate: percent = 5%",
    "value pay: money = 150 CNY",
    "/* block",
    "   comment */",
  ].join("\n");
  const t = scopesOf(sample);
  expect(t, "// 一 春节期间发货时效延长", "comment.line.double-slash.edict");
  expect(t, "announcement", "keyword.declaration.edict");
  expect(t, "festival", "entity.name.type.edict");
  expect(t, "published", "keyword.other.meta.edict");
  expect(t, "2024-01-20 10:00:00", "constant.numeric.instant.edict");
  expect(t, "extend", "entity.name.label.edict");
  expect(t, "when", "keyword.control.edict");
  expect(t, "in", "keyword.operator.word.edict");
  expect(t, "regions", "storage.type.region.edict");
  expect(t, "overridden", "constant.language.edict");
  expect(t, "72h", "constant.numeric.duration.edict");
  expect(t, "5%", "constant.numeric.percent.edict");
  expect(t, "150 CNY", "constant.numeric.money.edict");
  expect(t, "percent", "storage.type.builtin.edict");
  if (!t.some(([s, sc]) => s.includes("comment") && sc === "comment.block.edict")) {
    throw new Error(`block comment not a comment: ${JSON.stringify(t.slice(-3))}`);
  }
  if (!t.some(([s, sc]) => s.includes("贵州省遵义市") && sc.startsWith("string.quoted"))) {
    throw new Error("region literal text is not a string");
  }
  // Every shipped policy tokenizes without a rule error.
  const dir = path.join(here, "../../policies");
  let n = 0;
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".edict"))) {
    scopesOf(fs.readFileSync(path.join(dir, f), "utf8"));
    n += 1;
  }
  console.log(`grammar: ${n} policies tokenized, sample scopes as expected`);
}

main().catch((e) => {
  console.error(`grammar test failed: ${e.message}`);
  process.exit(1);
});
