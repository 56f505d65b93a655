// Which image a stack runs: a pin, a promotion's verified and soaked image, the pipeline's digest, or its current one.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, durationWords, SoakPendingError } from "../config/errors";
import { rfc3339Millis } from "../config/formats";
import { imageReference, isPinnedImage } from "../config/image-reference";
import { PROJECT } from "../config/keys";
import type { ImageSource } from "../config/service";
import {
  checkStackOutput,
  EARLIEST_VERIFIED_AT,
  type ImageOrigin,
  type StackOutputs,
} from "../contracts/stack-outputs";

/** A parsed digest reference. */
export interface PinnedImage {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
}

/** Parses `<repository>[:<tag>]@sha256:<hex>`; undefined when it is not a digest reference. Pure. */
export function parsePinnedImage(ref: string): PinnedImage | undefined {
  const parsed = isPinnedImage(ref) ? imageReference(ref) : undefined;
  if (!parsed) return undefined;
  return { repository: parsed.repository, tag: parsed.tag ?? "", digest: parsed.digest ?? "" };
}

/** The image this stack deploys, chosen from config, a pin, or a promotion. */
export interface SelectedImage {
  readonly repository: string;
  readonly tag: string;
  /** Known digest; undefined means the tag is resolved on the registry at deploy time. */
  readonly digest?: string;
  readonly origin: ImageOrigin;
  /** Said as a warning when a pin overrides something, so preview and up show it. */
  readonly warning?: string;
}

/**
 * Chooses the image: an operator's pin wins over everything; otherwise a promotion deploys exactly the other
 * stack's imageRef; otherwise the configured tag and digest (the pipeline's deploy); otherwise the image the stack
 * runs now (`currentRef`, its own last imageRef), so an infrastructure update never moves the image. Refuses, with a ConfigError, a pin or promotion
 * from another repository, a promoted imageRef without a digest, and a configured tag or digest that
 * disagrees with the promotion. Pure.
 */
export function selectImage(
  image: ImageSource,
  promotedRef?: string | null,
  currentRef?: string | null,
): SelectedImage {
  const key = (k: string) => `${PROJECT}:${k}`;
  if (image.pin) {
    const pin = parsePinnedImage(image.pin);
    if (!pin)
      throw new ConfigError([
        `${key("imagePin")}: got ${JSON.stringify(image.pin)}; allowed: <repository>[:<tag>]@sha256:<64 hex>`,
      ]);
    if (pin.repository !== image.repository) {
      throw new ConfigError([
        `${key("imagePin")}: got ${JSON.stringify(image.pin)}; allowed: a digest reference in imageRepository (${image.repository})`,
      ]);
    }
    const overrides = [
      ...(image.tag ? [`imageTag ${JSON.stringify(image.tag)}`] : []),
      ...(image.digest ? [`imageDigest ${JSON.stringify(image.digest)}`] : []),
      ...(image.promoteFrom ? [`promotion from ${image.promoteFrom}`] : []),
    ];
    return {
      ...pin,
      origin: "pin",
      warning: `imagePin is in force: deploying ${image.pin}${overrides.length ? `; it overrides ${overrides.join(", ")}` : ""}. Unset ${key("imagePin")} to resume normal delivery.`,
    };
  }
  if (image.promoteFrom) {
    if (promotedRef === undefined || promotedRef === null || promotedRef === "") {
      throw new ConfigError([
        `${key("promoteFrom")}: got ${JSON.stringify(image.promoteFrom)}; allowed: a stack that exports imageRef (it has none)`,
      ]);
    }
    const promoted = parsePinnedImage(promotedRef);
    if (!promoted) {
      throw new ConfigError([
        `${key("promoteFrom")}: got ${JSON.stringify(image.promoteFrom)}, whose imageRef ${JSON.stringify(promotedRef)} has no digest; allowed: a stack whose imageRef is <repository>:<tag>@sha256:<hex>`,
      ]);
    }
    const problems: string[] = [];
    if (promoted.repository !== image.repository) {
      problems.push(
        `${key("promoteFrom")}: got ${JSON.stringify(image.promoteFrom)}, which deploys ${promoted.repository}; allowed: a stack deploying imageRepository (${image.repository})`,
      );
    }
    if (image.digest && image.digest !== promoted.digest) {
      problems.push(
        `${key("imageDigest")}: got ${JSON.stringify(image.digest)}; allowed: empty, or the digest promoted from ${image.promoteFrom} (${promoted.digest})`,
      );
    }
    if (image.tag && image.tag !== promoted.tag) {
      problems.push(
        `${key("imageTag")}: got ${JSON.stringify(image.tag)}; allowed: empty, or the tag promoted from ${image.promoteFrom} (${JSON.stringify(promoted.tag)})`,
      );
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return { ...promoted, origin: "promotion" };
  }
  if (image.digest)
    return { repository: image.repository, tag: image.tag, digest: image.digest, origin: "config" };
  if (image.tag) return { repository: image.repository, tag: image.tag, origin: "registry" };
  // Nothing names a new image: the stack keeps exactly the one it runs.
  if (currentRef === undefined || currentRef === null || currentRef === "") {
    throw new ConfigError([
      `${key("imageTag")}: got (not set), and ${image.self} has never deployed an image (it has no imageRef output); allowed: a first image for this stack: imageTag and imageDigest (the pipeline's deploy sets both), or imagePin. Afterwards a plain pulumi up keeps the image the stack runs.`,
    ]);
  }
  const current = parsePinnedImage(currentRef);
  if (!current) {
    throw new ConfigError([
      `${key("imageTag")}: got (not set), and the image ${image.self} runs (${JSON.stringify(currentRef)}) has no digest; allowed: imageTag and imageDigest, or imagePin`,
    ]);
  }
  if (current.repository !== image.repository) {
    throw new ConfigError([
      `${key("imageRepository")}: got ${JSON.stringify(image.repository)}, but ${image.self} runs ${current.repository}; allowed: the repository it runs, or a new imageTag and imageDigest in the new one`,
    ]);
  }
  return { ...current, origin: "current" };
}

/** The outputs a promotion reads from the stack it promotes from. */
export interface PromotionSource {
  readonly imageRef?: string;
  readonly verifiedImageRef?: string;
  readonly verifiedAt?: string;
}

/**
 * The image a promotion deploys: the source stack's `verifiedImageRef`, and only when that evidence is for the image
 * the source runs now and at least `minSoakSeconds` old at `now`. Refuses, naming what is missing and when the soak
 * ends. Pure.
 */
export function promotedImageRef(image: ImageSource, source: PromotionSource, now: number): string {
  const from = image.promoteFrom ?? "";
  const key = `${PROJECT}:promoteFrom`;
  const running = source.imageRef ?? "";
  const verified = source.verifiedImageRef ?? "";
  if (verified === "") {
    throw new ConfigError([
      `${key}: got ${JSON.stringify(from)}, whose image ${running ? JSON.stringify(running) : "(none)"} has no evidence: its verifiedImageRef is empty (its last rollout was not verified); allowed: a stack whose current image passed its rollout verification`,
    ]);
  }
  if (verified !== running) {
    throw new ConfigError([
      `${key}: got ${JSON.stringify(from)}, whose evidence is for ${JSON.stringify(verified)} but which runs ${JSON.stringify(running)}; allowed: evidence for the image it runs now (wait for the verification of its current rollout)`,
    ]);
  }
  // Parsed from its fields, never by the machine's time zone; a real date with a zone (config/formats.ts rfc3339Millis).
  const at = rfc3339Millis(source.verifiedAt ?? "");
  if (at === undefined) {
    throw new ConfigError([
      `${key}: got ${JSON.stringify(from)}, whose verifiedAt ${JSON.stringify(source.verifiedAt ?? "")} is not an RFC 3339 date-time with a zone; allowed: evidence with the time it was verified, e.g. 2026-01-01T00:00:00Z`,
    ]);
  }
  // Never before any image could have existed: a zero or epoch time is no verification, and would skip the soak.
  const earliest = rfc3339Millis(EARLIEST_VERIFIED_AT) ?? 0;
  if (at < earliest) {
    throw new ConfigError([
      `${key}: got ${JSON.stringify(from)}, whose verifiedAt ${JSON.stringify(source.verifiedAt)} is before ${EARLIEST_VERIFIED_AT}, when no image of this service could have existed (a zero or epoch time is an output never set, not a verification); allowed: evidence verified from ${EARLIEST_VERIFIED_AT} on, by the rollout verification of the image it runs`,
    ]);
  }
  if (at > now) {
    throw new ConfigError([
      `${key}: got ${JSON.stringify(from)}, whose verifiedAt ${JSON.stringify(source.verifiedAt)} is in the future (now ${new Date(now).toISOString()}); allowed: evidence verified before now (a clock or an output is wrong)`,
    ]);
  }
  const soak = image.minSoakSeconds ?? 0;
  if (!Number.isFinite(soak) || soak < 0)
    throw new ConfigError([`${PROJECT}:minSoak: got ${soak} s; allowed: a finite duration of 0s or more`]);
  if (!Number.isFinite(now))
    throw new ConfigError([
      `${key}: the clock reads ${now}, not a time; allowed: a promotion at a real time`,
    ]);
  const ends = at + soak * 1000;
  // Fails closed: a soak or a clock that is not a number (NaN compares false) never lets a promotion through.
  if (!(ends <= now)) {
    const end = new Date(ends).toISOString();
    throw new SoakPendingError(
      `Waiting for the soak, nothing is wrong: ${JSON.stringify(verified)} was verified on ${from} at ${new Date(at).toISOString()}; its soak of ${soak} s (${PROJECT}:minSoak) ends at ${end} (now ${new Date(now).toISOString()}), in ${durationWords(ends - now)}. Retry at or after ${end}; to deploy another image before then, pin it with imagePin`,
    );
  }
  return verified;
}

/** The outputs read as promotion evidence or as the current image: those of the contract whose values are text. */
type TextOutput = {
  [K in keyof StackOutputs]: StackOutputs[K] extends string ? K : never;
}[keyof StackOutputs];

/**
 * Reads outputs of a stack (secret or not) through a StackReference: another stack's, or this stack's own last. Each
 * present value is checked against the contract's shape (zod, contracts/stack-outputs.ts); an absent one is undefined.
 */
export async function readStackOutputs(
  stack: string,
  names: readonly TextOutput[],
  role: "promote-from" | "current",
): Promise<Record<string, string | undefined>> {
  // The stack read; never managed.
  const ref = new pulumi.StackReference(`${role}-${stack.replace(/\//g, "-")}`, { name: stack });
  const out: Record<string, string | undefined> = {};
  for (const name of names) {
    const details = await ref.getOutputDetails(name);
    const value: unknown = details.value ?? details.secretValue;
    try {
      const secret = details.value === undefined;
      out[name] = value === undefined ? undefined : checkStackOutput(name, value, `stack ${stack}`, secret);
    } catch (err) {
      throw new ConfigError([err instanceof Error ? err.message : String(err)]);
    }
  }
  return out;
}
