/** The announcements' part of `lvsctl status`: plain data, no I/O (the control formatter reads it). */

/** One VIP in `lvsctl status`. */
export interface VipStatus {
  vip: string;
  announced: boolean;
  reason: string;
  /** Wall-clock ms of the last announce/withdraw (or first sight). */
  since: number;
  services: string[];
}

/** The announcements part of the status report. */
export interface AnnounceStatus {
  table: number;
  protocol: number;
  policy: 'any' | 'all';
  maintenance: boolean;
  vips: VipStatus[];
  /** The last route sync's failures (another owner's route in the way, a kernel refusal). */
  failed: Array<{ route: string; error: string }>;
  lastError?: string;
}
