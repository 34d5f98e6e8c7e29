// The Edict extension: starts `edict lsp` and connects VS Code's language client to it.
// Everything else (diagnostics, hover, navigation, completion, formatting, quick fixes) is
// the server's; the TextMate grammar in syntaxes/ colours the text.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

async function activate(context) {
  const command = vscode.workspace.getConfiguration("edict").get("server.path") || "edict";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "edict",
    "Edict",
    { run: server, debug: server },
    {
      documentSelector: [
        { scheme: "file", language: "edict" },
        { scheme: "untitled", language: "edict" },
      ],
      synchronize: {
        // Policy files changed outside the editor (git checkout, `edict fmt`) re-check
        // their folder.
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.edict"),
      },
    },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  try {
    await client.start();
  } catch (e) {
    vscode.window.showErrorMessage(
      `Edict: could not start \`${command} lsp\` (${e.message || e}). ` +
        "Install the edict binary or set `edict.server.path`.",
    );
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
