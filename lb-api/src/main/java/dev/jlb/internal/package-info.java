/**
 * jlb's implementation of the {@code dev.jlb} contracts. Not API: anything here may change in any
 * release without notice. Use the types in {@code dev.jlb} instead.
 */
package dev.jlb.internal;
