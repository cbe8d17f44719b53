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
      <p>Paste your client token. It stays in this browser tab.</p>
      <div class="token-source" id="token-source">
        <h2>Where a token comes from</h2>
        <p>
          A client token is printed once, when a client is created. On the machine that runs the control
          plane, in its directory, run:
        </p>
        <pre>
          <code>npx spot-optimizer client create "Your team"</code>
        </pre>
        <p>
          It prints the token (add <code>--data-dir</code> or <code>--database-url</code> if the server uses
          other ones than the default). An operator with the admin token can also create a client, or issue a
          new token for one, in the <a href="/dashboard/admin">admin view</a> or with{" "}
          <code>AdminService/CreateClient</code>.
        </p>
      </div>
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
