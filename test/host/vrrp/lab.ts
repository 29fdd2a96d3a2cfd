/** The VRRP lab lives in bench/ (the benchmarks use it too); tests import it from here. */
export * from '../../../bench/vrrp-lab.js';
