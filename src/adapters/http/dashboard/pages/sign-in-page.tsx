import type { FC } from "hono/jsx";
import { Layout } from "../components/layout.js";

/**
 * Sign-in with a client token. The token is checked with `GET /api/client/validate` and kept in the tab's
 * sessionStorage only; it is sent as `authorization: Bearer`, never as a cookie.
 */
export const SignInPage: FC = () => (
  <Layout title="Sign in" page="sign-in" nav="none">
    <div class="sign-in">
      <h1>Sign in</h1>
      <p>Paste the client token you were given when your client was created. It stays in this browser tab.</p>
      <form id="sign-in-form" class="stack" novalidate>
        <label for="token">Client token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          aria-describedby="sign-in-error"
        />
        <button type="submit" class="primary">
          Sign in
        </button>
        <p id="sign-in-error" class="form-error" role="alert" />
      </form>
      <p class="muted">
        Operators: the <a href="/dashboard/admin">admin view</a> asks for the admin token.
      </p>
    </div>
  </Layout>
);
