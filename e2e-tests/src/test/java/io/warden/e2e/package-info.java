/** End-to-end tests across the packaged services. */
package io.warden.e2e;
