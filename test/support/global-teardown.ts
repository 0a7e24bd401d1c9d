/** Stops the database global-setup started, if it started one. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __MONGO_STOP__?: () => Promise<unknown> }).__MONGO_STOP__?.();
}
