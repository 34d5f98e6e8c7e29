#!/usr/bin/env bash
# Builds the VS Code extension into editors/vscode/edict.vsix (npm registry packages only).
#   editors/vscode/build.sh
#   code --install-extension editors/vscode/edict.vsix
# The extension runs `edict lsp`: put `edict` on PATH (cargo install --path crates/cli) or
# set `edict.server.path` in VS Code's settings.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node -e 'for (const f of ["package.json", "language-configuration.json", "syntaxes/edict.tmLanguage.json"]) JSON.parse(require("fs").readFileSync(f, "utf8"))'
node --check src/extension.js
node test/grammar.js
npx vsce package --skip-license --allow-missing-repository -o edict.vsix
echo "built $(pwd)/edict.vsix"
