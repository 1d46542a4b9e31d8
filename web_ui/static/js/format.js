// How values from the API are shown to people.

export const VIDEO_STATUSES = ["WANTED", "DOWNLOADING", "DOWNLOADED", "IGNORED", "FAILED", "MONITORED"];
export const DOWNLOAD_PRIORITIES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
export const ROLE_LABELS = { admin: "Admin", manager: "Manager", user: "User", readonly: "Read-only" };
export const ROLES = Object.keys(ROLE_LABELS);

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return "–";
  const total = Math.round(Number(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

// The API sends naive UTC timestamps ("2026-11-23T23:20:50"); show them in local time.
export function formatDate(timestamp) {
  if (!timestamp) return "–";
  const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(timestamp) ? timestamp : `${timestamp}Z`);
  if (Number.isNaN(date.getTime())) return timestamp;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatPercent(value) {
  return `${Math.round(Number(value) || 0)}%`;
}

export function formatGenres(genres) {
  return Array.isArray(genres) && genres.length ? genres.join(", ") : "–";
}

export function formatCount(value) {
  return Number(value ?? 0).toLocaleString();
}

export function formatRole(role) {
  return ROLE_LABELS[role] ?? String(role ?? "");
}

export function titleCase(word) {
  const text = String(word ?? "");
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}
