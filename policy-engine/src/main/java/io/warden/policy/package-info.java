/** The Warden policy language: parse, validate, compile, evaluate. No framework. */
package io.warden.policy;
