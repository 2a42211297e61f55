/**
 * What the quality menu says beside the preset asked for: the picture that actually arrives, and why it is smaller
 * than asked — the phone's camera gives less, or the connection adapts to the network (WebRTC lowers resolution and
 * frame rate by itself when bandwidth or the phone's encoder falls short).
 */
import { QUALITY_PRESETS, type QualityPreset } from '../../../../protocol/messages.ts';

/** A picture size and rate (fps null when not known yet). */
export interface PictureSize {
  width: number;
  height: number;
  fps: number | null;
}

/** Why what arrives is below the preset. */
export type QualityShortfall = 'phone' | 'network' | null;

/** The note shown under the quality menu. */
export interface QualityNote {
  /** "Arriving 480×270 · 20 fps". */
  text: string;
  shortfall: QualityShortfall;
  /** "the phone's camera gives less" / "adapting to the network or the phone's encoder". */
  why: string | null;
}

/** Short side, so portrait and landscape compare alike. */
const short = (p: { width: number; height: number }): number => Math.min(p.width, p.height);

/**
 * Compare what the phone captures (`sent`, from its status) and what decodes here (`arriving`) with `preset`. Null
 * until a picture arrives. A tenth below the preset's height or frame rate still counts as what was asked.
 */
export function qualityNote(preset: QualityPreset, sent: PictureSize | null, arriving: PictureSize | null): QualityNote | null {
  if (!arriving || arriving.width <= 0 || arriving.height <= 0) return null;
  const want = QUALITY_PRESETS[preset];
  const fps = arriving.fps !== null ? ` · ${Math.round(arriving.fps)} fps` : '';
  const text = `Arriving ${arriving.width}×${arriving.height}${fps}`;
  const below = (got: PictureSize, sizeOnly = false): boolean =>
    short(got) < Math.min(want.width, want.height) * 0.9 || (!sizeOnly && got.fps !== null && got.fps < want.fps * 0.9);
  if (!below(arriving)) return { text, shortfall: null, why: null };
  if (sent && below(sent, true) && short(arriving) >= short(sent) * 0.9) {
    return { text, shortfall: 'phone', why: "the phone's camera gives less than this" };
  }
  return { text, shortfall: 'network', why: "adapting to the network or the phone's encoder" };
}
