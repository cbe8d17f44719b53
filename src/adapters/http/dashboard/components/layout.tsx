import type { Child, FC } from "hono/jsx";

export type NavItem = "fleet" | "savings" | "notifications" | "admin" | "api" | "none";

export interface LayoutProps {
  title: string;
  /** Which client script runs the page (`data-page` on the body). */
  page: string;
  nav: NavItem;
  /** Page parameters for the client script, as `data-*` attributes of the body. */
  data?: Record<string, string>;
  children?: Child;
}

const LINKS: Array<{ item: NavItem; href: string; label: string }> = [
  { item: "fleet", href: "/dashboard", label: "Fleet" },
  { item: "savings", href: "/dashboard/savings", label: "Savings" },
  { item: "notifications", href: "/dashboard/notifications", label: "Notifications" },
  { item: "admin", href: "/dashboard/admin", label: "Admin" },
  { item: "api", href: "/dashboard/api", label: "API" },
];

/**
 * The page shell: header and navigation, a skip link, one main landmark. Pages carry no tenant data: the
 * client script reads it over the REST bridge with the token the browser holds, and fills the reserved space.
 */
export const Layout: FC<LayoutProps> = ({ title, page, nav, data = {}, children }) => {
  const dataAttributes = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [`data-${key}`, value]),
  );
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${title} · Spot Optimizer`}</title>
        <link rel="icon" href="/dashboard/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/dashboard/assets/uplot.min.css" />
        <link rel="stylesheet" href="/dashboard/assets/dashboard.css" />
        <script type="module" src="/dashboard/assets/dashboard.js" />
      </head>
      <body data-page={page} data-state="loading" {...dataAttributes}>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="top-bar">
          <a class="brand" href="/dashboard">
            <img src="/dashboard/assets/favicon.svg" alt="" width="24" height="24" />
            <span>Spot Optimizer</span>
          </a>
          <nav aria-label="Main">
            <ul class="nav-links">
              {LINKS.map((link) => (
                <li>
                  <a href={link.href} aria-current={link.item === nav ? "page" : undefined}>
                    {link.label}
                    {link.item === "notifications" ? (
                      <span class="count-badge" id="unread-count" data-count="0">
                        <span class="visually-hidden"> unread: </span>
                        <span class="count-value">0</span>
                      </span>
                    ) : null}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <div class="account" id="account" data-signed-in="false">
            <span class="account-name" id="account-name" />
            <button type="button" class="link-button" id="sign-out">
              Sign out
            </button>
          </div>
        </header>
        <main id="main" tabindex={-1}>
          {children}
        </main>
        <div class="visually-hidden" aria-live="polite" id="announcer" />
      </body>
    </html>
  );
};
