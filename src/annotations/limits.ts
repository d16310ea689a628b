/**
 * Size limits of the platforms we post to, and of the input we accept.
 *
 * Platform numbers come from the platforms' API documentation (GitHub REST, GitLab REST, Bitbucket).
 * The annotation `title` and `message` limits come from GitHub's REST description of "Create a check
 * run" (`output.annotations[].title`: "The maximum size is 255 characters", `message`: "The maximum
 * size is 64 KB"). Character limits are applied to UTF-16 code units and also to UTF-8 bytes: the
 * safe side of any way a platform may count.
 */

export const PLATFORMS = ['github', 'gitlab', 'generic'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface PlatformLimits {
  /** Pull-request comment (GitHub issue comment, GitLab MR note) body. */
  readonly commentLength: number;
  /** Commit status `description`. */
  readonly statusDescriptionLength: number;
  /** Check run `output.summary`. */
  readonly checkRunSummaryLength: number;
  /** Check run `output.text`. */
  readonly checkRunTextLength: number;
  /** Check run annotation `title`, in characters. */
  readonly annotationTitleLength: number;
  /** Check run annotation `message`, in UTF-8 bytes. */
  readonly annotationMessageBytes: number;
}

const GITHUB_CHECK_RUN = {
  checkRunSummaryLength: 65_535,
  checkRunTextLength: 65_535,
  annotationTitleLength: 255,
  annotationMessageBytes: 64 * 1024,
} as const;

/**
 * Per platform. GitLab has no check runs (they are emulated, §7.1) and no documented status description
 * limit, so it takes GitHub's numbers for those; `generic` takes the smallest comment limit the reference
 * gives for any platform (Bitbucket, 32,768) so that its output posts anywhere.
 */
export const PLATFORM_LIMITS: Readonly<Record<Platform, PlatformLimits>> = {
  github: { commentLength: 65_536, statusDescriptionLength: 140, ...GITHUB_CHECK_RUN },
  gitlab: { commentLength: 1_000_000, statusDescriptionLength: 140, ...GITHUB_CHECK_RUN },
  generic: { commentLength: 32_768, statusDescriptionLength: 140, ...GITHUB_CHECK_RUN },
};

/** GitHub takes at most 50 annotations per check-run request (§1.7); providers send them in batches. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** Input limits of the findings formats. */
export const INPUT_LIMITS = {
  /** Findings in one report (native), results in one SARIF log (all runs together). */
  maxFindings: 100_000,
  /** A finding's message: 64 KiB, in characters and in UTF-8 bytes. */
  maxMessageLength: 64 * 1024,
  /** A finding's title. */
  maxTitleLength: 1024,
  /** Rule ids, tool names, versions, package fields. */
  maxShortTextLength: 512,
  /** A path or URI. */
  maxPathLength: 4096,
  /** The default cap on the JSON text given to `readFindings`, in bytes (or UTF-16 units for strings). */
  maxInputBytes: 256 * 1024 * 1024,
} as const;

/**
 * Splits annotations into GitHub-sized batches: the first goes with the create call, the rest with
 * updates (annotations are appended on every update).
 *
 * @example
 * batches(checkRun.annotations).length; // ceil(n / 50)
 */
export function batches<T>(items: readonly T[], size: number = ANNOTATIONS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
