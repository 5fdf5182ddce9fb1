/**
 * @module test/keys
 * The API keys the tests run with: two tenants, to show neither can reach the other's sessions.
 */
export const TENANT_A_KEY = "test-key-tenant-a";
export const TENANT_B_KEY = "test-key-tenant-b";
export const TEST_API_KEYS = { [TENANT_A_KEY]: "tenant-a", [TENANT_B_KEY]: "tenant-b" };
