/** Contracts shared between Warden's services. */
package io.warden.api;
