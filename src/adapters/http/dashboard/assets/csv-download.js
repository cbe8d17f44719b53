// Downloads a CSV export with the client token (a plain link could not send it) under the server's file name.
import { ApiError } from "./api-client.js";

export async function downloadCsv(path, token) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` }, credentials: "omit" });
  if (!response.ok)
    throw new ApiError(response.status, "internal", `The export failed (HTTP ${response.status}).`);
  const name =
    /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? "savings.csv";
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
