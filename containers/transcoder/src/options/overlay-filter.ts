/**
 * The filter-graph part of watermarks (options/watermark.ts prepares them): pure, and imported by
 * ffmpeg/filter-graph.ts; the command line (ffmpeg/encode-args.ts) adds each image as an input after the source
 * (input k + 1 is `overlays[k]`).
 */
import type { OverlayPlan } from '../../../../lambdas/core/domain/overlays.js';

/**
 * The filter chain `from` (a labelled pad and its filters, e.g. "[0:v:0]format=yuv420p") with each watermark laid
 * over it in turn: the image scaled to its placed size, its alpha scaled by the opacity, overlaid at its corner
 * (held for the whole video: the image is one frame). Returns a chain the caller continues with ",<filter>".
 */
export function burnOverlays(from: string, overlays: readonly OverlayPlan[] = []): string {
  if (overlays.length === 0) return from;
  const steps = overlays.map((o, k) => {
    const image = `[${k + 1}:v]scale=${o.width}:${o.height},format=rgba,colorchannelmixer=aa=${o.opacity}[wm${k}]`;
    return `${image};[base${k}][wm${k}]overlay=x=${o.x}:y=${o.y}:format=auto:eof_action=repeat`;
  });
  // Each overlay's output is the next one's base; the last continues the caller's chain (back to 4:2:0).
  return `${from}[base0];${steps.map((step, k) => (k === 0 ? step : `[base${k}];${step}`)).join('')},format=yuv420p`;
}
