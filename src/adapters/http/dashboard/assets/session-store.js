// The tokens the dashboard holds: in this tab's sessionStorage only, sent as `authorization: Bearer`.

const CLIENT_KEY = "spot.client";
const ADMIN_KEY = "spot.admin";

/** @returns {{token: string, clientId: string, name: string} | null} */
export function clientSession() {
  try {
    const value = JSON.parse(sessionStorage.getItem(CLIENT_KEY) ?? "null");
    return value && typeof value.token === "string" && typeof value.clientId === "string" ? value : null;
  } catch {
    return null;
  }
}

export function saveClientSession(session) {
  sessionStorage.setItem(CLIENT_KEY, JSON.stringify(session));
}

export function clearClientSession() {
  sessionStorage.removeItem(CLIENT_KEY);
}

/** @returns {string | null} */
export function adminToken() {
  return sessionStorage.getItem(ADMIN_KEY);
}

export function saveAdminToken(token) {
  sessionStorage.setItem(ADMIN_KEY, token);
}

export function clearAdminToken() {
  sessionStorage.removeItem(ADMIN_KEY);
}

/** Sends the browser to sign-in, coming back here afterwards. */
export function goToSignIn(reason) {
  const next = encodeURIComponent(location.pathname + location.search);
  location.replace(`/dashboard/sign-in?next=${next}${reason ? `&reason=${reason}` : ""}`);
}
