/**
 * A logged-in REST client for tests: logs in with `POST /api/login`, then sends the session cookie on every
 * request and the CSRF token on every state-changing one — what the HMI does.
 */

/** The admin password test runtimes are started with (`adminPassword`) and child SCADAs get in SCADA_ADMIN_PASSWORD. */
export const TEST_ADMIN_PASSWORD = "test-root-secret-2026";

export interface ApiClient {
  readonly url: string;
  /** `htr_session=…`, for a Cookie header. */
  readonly cookie: string;
  readonly csrfToken: string;
  readonly user: string;
  readonly role: string;
  get(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body?: unknown, init?: RequestInit): Promise<Response>;
  patch(path: string, body?: unknown, init?: RequestInit): Promise<Response>;
  put(path: string, body?: unknown, init?: RequestInit): Promise<Response>;
  delete(path: string, init?: RequestInit): Promise<Response>;
  /** GET and parse JSON (throws on a non-2xx status, with the body). */
  getJson<T = unknown>(path: string): Promise<T>;
  /** Any method with the cookie (and CSRF token when `csrf`), for tests of the guards themselves. */
  request(path: string, init?: RequestInit & { csrf?: boolean }): Promise<Response>;
}

/** Logs in as `user` (throws with the server's answer when refused). */
export async function apiClient(url: string, user: string, password: string): Promise<ApiClient> {
  const res = await fetch(`${url}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${user} failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0]!;
  if (!cookie.startsWith("htr_session=")) throw new Error(`login as ${user}: no session cookie in '${setCookie}'`);
  const session = (await res.json()) as { csrfToken: string; role: string };
  const request = (path: string, init: RequestInit & { csrf?: boolean } = {}): Promise<Response> => {
    const { csrf, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set("cookie", cookie);
    if (csrf ?? true) headers.set("x-csrf-token", session.csrfToken);
    return fetch(url + path, { ...rest, headers });
  };
  const withBody = (method: string) => (path: string, body?: unknown, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
    return request(path, { ...init, method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  };
  return {
    url,
    cookie,
    csrfToken: session.csrfToken,
    user,
    role: session.role,
    get: (path, init = {}) => request(path, { ...init, method: "GET" }),
    post: withBody("POST"),
    patch: withBody("PATCH"),
    put: withBody("PUT"),
    delete: (path, init = {}) => request(path, { ...init, method: "DELETE" }),
    getJson: async <T>(path: string): Promise<T> => {
      const r = await request(path, { method: "GET" });
      if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    },
    request,
  };
}

/** Logs in as the test admin (runtimes started with `adminPassword: TEST_ADMIN_PASSWORD`). */
export function adminClient(url: string): Promise<ApiClient> {
  return apiClient(url, "admin", TEST_ADMIN_PASSWORD);
}

/** Creates a user through `POST /api/users` as `admin` and logs in as it. */
export async function newUserClient(admin: ApiClient, name: string, role: string, password = "shift-secret-2026-x"): Promise<ApiClient> {
  const r = await admin.post("/api/users", { name, role, password });
  if (r.status !== 201) throw new Error(`creating ${name} (${role}) failed: ${r.status} ${await r.text()}`);
  return apiClient(admin.url, name, password);
}

/** Turns a fault of the virtual plant on or off through `POST /api/sim/faults/:name`; throws unless the answer is 200. */
export async function setSimFault(api: ApiClient, name: string, active: boolean): Promise<void> {
  const r = await api.post(`/api/sim/faults/${name}`, { active });
  const body = await r.text(); // read in full either way: an unread body holds its connection
  if (r.status !== 200) throw new Error(`fault ${name} ${active ? "on" : "off"}: ${r.status} ${body}`);
}
