#!/usr/bin/env node
// Entry point for `npx license-bot …`: runs the compiled CLI (npm run build produces dist/).
import('../dist/src/cli/main.js').catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
