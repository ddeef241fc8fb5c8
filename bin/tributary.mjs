#!/usr/bin/env node
// The `tributary` command: runs src/main.ts (Node >= 24 runs TypeScript by stripping types).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`tributary needs Node.js 24 or newer (this is ${process.version}); run it through npm (npm start / npx tributary), which uses the pinned Node from node_modules.\n`);
  process.exit(1);
}
const { main } = await import('../src/main.ts');
main(process.argv.slice(2));
