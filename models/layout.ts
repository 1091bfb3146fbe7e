/**
 * One flat array per module for parameters, one with the same layout for gradients (llm.c):
 * save/load, averaging across workers and optimiser steps are single loops over it. A layout
 * names each tensor's slice; modules (the tagger, pooling heads, attention layers) take views.
 */
import type { FloatArray } from './kernels'

export interface ParamEntry {
  /** PyTorch state_dict name. */
  name: string
  /** Row-major shape. */
  shape: number[]
  /** Offset in elements into the flat array. */
  offset: number
  /** Element count. */
  length: number
}

export interface ParamLayout {
  entries: ParamEntry[]
  /** Total element count of the flat array. */
  size: number
}

/** A tensor's name and shape, before it is given an offset. */
export type NamedShape = [name: string, shape: number[]]

/** The layout of `tensors` packed one after another in the order given. */
export function packedLayout(tensors: NamedShape[]): ParamLayout {
  const entries: ParamEntry[] = []
  let offset = 0
  for (const [name, shape] of tensors) {
    const length = shape.reduce((p, q) => p * q, 1)
    entries.push({ name, shape, offset, length })
    offset += length
  }
  return { entries, size: offset }
}

/**
 * A trainable module: its config, one flat params array and one flat grads array with the same
 * layout, and structured views of each (the tagger, pooling heads and attention layers alike).
 */
export interface Module<Config, Views, A extends FloatArray> {
  config: Config
  layout: ParamLayout
  params: A // (P) flat
  grads: A // (P) same layout
  p: Views
  g: Views
}

/** Params and grads (zeros) allocated through `alloc`, with their views. */
export function createModule<Config, Views, A extends FloatArray>(
  config: Config,
  layout: ParamLayout,
  views: (flat: A, c: Config) => Views,
  alloc: (n: number) => A,
): Module<Config, Views, A> {
  const params = alloc(layout.size)
  const grads = alloc(layout.size)
  return { config, layout, params, grads, p: views(params, config), g: views(grads, config) }
}

/** Named views (no copies) of a flat array laid out by `layout`. */
export function namedViews<A extends FloatArray>(flat: A, layout: ParamLayout): Map<string, A> {
  if (flat.length < layout.size) throw new RangeError(`flat array ${flat.length} < ${layout.size}`)
  const m = new Map<string, A>()
  for (const e of layout.entries) m.set(e.name, flat.subarray(e.offset, e.offset + e.length) as A)
  return m
}
