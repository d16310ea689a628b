import {
  isAbsoluteReference,
  type PathResolution,
  type RepositoryRoot,
  resolveRepositoryPath,
} from '../paths.js';
import { type JsonObject, objectAt, ownArray, ownInteger, ownObject, ownString } from './json.js';

/**
 * The primary location of a SARIF result: `locations[0].physicalLocation`, its artifact URI resolved
 * through `uriBaseId` chains in `run.originalUriBaseIds` or through `run.artifacts[index]`, and its region.
 *
 * Base ids: a base that `originalUriBaseIds` does not define, or defines without a `uri` (the usual
 * `%SRCROOT%`, `SRCROOT`, Trivy's `ROOTPATH`), stands for the repository root. When a chain ends in an
 * absolute URI it is related to `repositoryRoot` if one is given; without one, that top-most base is
 * taken as the repository root (what SARIF producers mean by a source-root base).
 */

/** Where a result's file is: the location as written (composed with its bases) and where it lands. */
export interface Place {
  readonly location: string;
  readonly resolution: PathResolution;
}

/** The region fields a resolver writes into a finding under construction. */
export interface RegionTarget {
  startLine: number | undefined;
  endLine: number | undefined;
  startColumn: number | undefined;
  endColumn: number | undefined;
  snippet: string | undefined;
}

export interface LocationResolver {
  /**
   * Writes the region of `result`'s primary location into `target` (snippet as written) and returns its
   * place, or undefined when the result has no file location (no region is written then).
   */
  resolve(result: JsonObject, target: RegionTarget): Place | undefined;
}

const MAX_CHAIN = 32;
const MAX_LINE = 2_147_483_647;

interface BaseChain {
  readonly pieces: readonly string[];
  readonly absolute: boolean;
}

/** A resolver for one run; resolved paths are cached per (base id, URI). */
export function createLocationResolver(run: JsonObject, root: RepositoryRoot | undefined): LocationResolver {
  const bases = ownObject(run, 'originalUriBaseIds');
  const artifacts = ownArray(run, 'artifacts');
  const chains = new Map<string, BaseChain>();
  const paths = new Map<string | undefined, Map<string, Place>>();

  const chainOf = (id: string): BaseChain => {
    let chain = chains.get(id);
    if (chain === undefined) {
      chain = baseChain(bases, id);
      chains.set(id, chain);
    }
    return chain;
  };

  const compose = (uri: string, baseId: string | undefined): string => {
    if (baseId === undefined || isAbsoluteReference(uri)) return uri;
    const chain = chainOf(baseId);
    const pieces = chain.absolute && root === undefined ? chain.pieces.slice(1) : chain.pieces;
    return join([...pieces, uri]);
  };

  const resolve = (result: JsonObject, target: RegionTarget): Place | undefined => {
    const physical = ownObject(objectAt(ownArray(result, 'locations'), 0), 'physicalLocation');
    if (physical === undefined) return undefined;
    const artifact = ownObject(physical, 'artifactLocation');
    let uri = ownString(artifact, 'uri');
    let baseId = ownString(artifact, 'uriBaseId');
    if (uri === undefined) {
      const listed = ownObject(objectAt(artifacts, ownInteger(artifact, 'index')), 'location');
      uri = ownString(listed, 'uri');
      baseId = baseId ?? ownString(listed, 'uriBaseId');
    }
    if (uri === undefined) return undefined;
    let byUri = paths.get(baseId);
    if (byUri === undefined) {
      byUri = new Map();
      paths.set(baseId, byUri);
    }
    let place = byUri.get(uri);
    if (place === undefined) {
      const location = compose(uri, baseId);
      place = { location, resolution: resolveRepositoryPath(location, root, { decode: true }) };
      byUri.set(uri, place);
    }
    readRegion(ownObject(physical, 'region'), target);
    return place;
  };
  return { resolve };
}

function baseChain(bases: JsonObject | undefined, id: string): BaseChain {
  const pieces: string[] = [];
  const seen = new Set<string>();
  let current: string | undefined = id;
  while (current !== undefined && !seen.has(current) && seen.size < MAX_CHAIN) {
    seen.add(current);
    const entry = ownObject(bases, current);
    const uri = ownString(entry, 'uri');
    if (uri === undefined) break;
    pieces.unshift(uri);
    if (isAbsoluteReference(uri)) return { pieces, absolute: true };
    current = ownString(entry, 'uriBaseId');
  }
  return { pieces, absolute: false };
}

function join(pieces: readonly string[]): string {
  let out = '';
  for (const piece of pieces) {
    if (piece === '') continue;
    if (out === '' || out.endsWith('/') || out.endsWith('\\')) out += piece;
    else out += `/${piece}`;
  }
  return out;
}

function readRegion(region: JsonObject | undefined, target: RegionTarget): void {
  target.snippet = ownString(ownObject(region, 'snippet'), 'text');
  const startLine = line(region, 'startLine');
  if (startLine === undefined) return;
  const givenEnd = line(region, 'endLine');
  const endLine = givenEnd !== undefined && givenEnd >= startLine ? givenEnd : startLine;
  const startColumn = line(region, 'startColumn');
  let endColumn = line(region, 'endColumn');
  if (
    endLine === startLine &&
    startColumn !== undefined &&
    endColumn !== undefined &&
    endColumn < startColumn
  ) {
    endColumn = undefined;
  }
  target.startLine = startLine;
  target.endLine = endLine;
  target.startColumn = startColumn;
  target.endColumn = endColumn;
}

function line(region: JsonObject | undefined, key: string): number | undefined {
  const value = ownInteger(region, key, 1);
  return value !== undefined && value <= MAX_LINE ? value : undefined;
}
