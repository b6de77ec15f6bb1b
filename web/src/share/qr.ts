// A QR code drawn on a canvas (no data: URL or inline SVG, so a strict CSP has nothing to allow).

import qrcode from "qrcode-generator";
import { h } from "../dom";

export function qrCanvas(text: string, size = 320): HTMLCanvasElement {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const count = qr.getModuleCount();
  const quiet = 4; // the quiet zone scanners need around the code
  const cell = Math.max(2, Math.floor(size / (count + quiet * 2)));
  const side = cell * (count + quiet * 2);
  const canvas = h("canvas", { width: side, height: side, class: "qr", role: "img", "aria-label": `QR code for ${text}` });
  const ctx = canvas.getContext("2d");
  if (!ctx) return canvas;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, side, side);
  ctx.fillStyle = "#000";
  for (let r = 0; r < count; r++) {
    for (let c = 0; c < count; c++) {
      if (qr.isDark(r, c)) ctx.fillRect((c + quiet) * cell, (r + quiet) * cell, cell, cell);
    }
  }
  return canvas;
}
