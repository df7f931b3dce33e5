// Types of format.js for the TypeScript tests (the console itself is plain JavaScript, served as it is).
export function toMinor(amount: unknown): bigint | null;
export function fromMinor(minor: bigint): string;
export function formatMoney(amount: unknown, currency?: string): string;
export function sumMoney(amounts: Iterable<unknown>): string;
export function relativeTime(iso: string, now?: number): string;
export function formatTime(iso: string): string;
