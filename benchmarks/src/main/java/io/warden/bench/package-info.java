/** Benchmarks: JMH suites and load drivers that print numbers. */
package io.warden.bench;
