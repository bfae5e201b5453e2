// @ts-check
// Live readings drawn from the server's metrics messages: the microphone level and the brightness.

import { setText } from "./i18n.js";

/** The mic meter's range: -60 dBFS (quiet room) reads 0 %, 0 dBFS (full scale) reads 100 %. */
const METER_FLOOR_DBFS = -60;

/**
 * Maps a level in dBFS to 0..100 (a missing level reads 0).
 * @param {number | null} dbfs
 * @returns {number}
 */
export function dbfsToPercent(dbfs) {
  if (dbfs === null || !Number.isFinite(dbfs)) return 0;
  const percent = ((dbfs - METER_FLOOR_DBFS) / -METER_FLOOR_DBFS) * 100;
  return Math.min(100, Math.max(0, percent));
}

/**
 * Words for a mean luma (0–255). These are only live hints; the verdict comes from the server.
 * @param {number} luma
 * @returns {"too_dark" | "dim" | "good" | "very_bright"}
 */
export function brightnessLevel(luma) {
  if (luma < 40) return "too_dark";
  if (luma < 70) return "dim";
  if (luma > 200) return "very_bright";
  return "good";
}

/**
 * Drives a role="meter" element holding one `.mic-meter-bar` child.
 * @param {HTMLElement} element
 * @returns {{update: (dbfs: number | null) => void}}
 */
export function createMicMeter(element) {
  const bar = /** @type {HTMLElement} */ (element.querySelector(".mic-meter-bar"));
  return {
    update(dbfs) {
      const percent = Math.round(dbfsToPercent(dbfs));
      element.setAttribute("aria-valuenow", String(percent));
      bar.style.transform = `scaleX(${percent / 100})`;
    },
  };
}

/**
 * Writes "Brightness: good (128)" style text into an element.
 * @param {HTMLElement} element
 * @param {import("./i18n.js").Translate} t
 * @returns {{update: (luma: number | null) => void}}
 */
export function createBrightnessReading(element, t) {
  return {
    update(luma) {
      if (luma === null || !Number.isFinite(luma)) {
        element.dataset.level = "";
        setText(element, t, "brightness.waiting");
        return;
      }
      const level = brightnessLevel(luma);
      element.dataset.level = level;
      setText(element, t, "brightness.reading", {
        level: t(`brightness.${level}`),
        value: Math.round(luma),
      });
    },
  };
}
