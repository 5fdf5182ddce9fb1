/**
 * @module test/keys
 * The API keys the tests run with: two tenants, to show neither can reach the other's sessions, and a third
 * that the rate-limit tests spend (test/limits/).
 */
export const TENANT_A_KEY = "test-key-tenant-a";
export const TENANT_B_KEY = "test-key-tenant-b";
export const TENANT_C_KEY = "test-key-tenant-c";
/** The credential `GET /metrics` is scraped with in the tests (the Worker's `METRICS_TOKEN`). */
export const TEST_METRICS_TOKEN = "test-metrics-token";
export const TEST_API_KEYS = { [TENANT_A_KEY]: "tenant-a", [TENANT_B_KEY]: "tenant-b", [TENANT_C_KEY]: "tenant-c" };
