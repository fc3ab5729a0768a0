/**
 * Authentication shared by receivers and exporters: {@link
 * dev.traceyard.collector.extension.auth.ServerAuthenticator} (checks incoming requests) and {@link
 * dev.traceyard.collector.extension.auth.ClientAuthenticator} (adds credentials to outgoing ones),
 * implemented by the {@code bearertokenauth} and {@code basicauth} extensions, and {@link
 * dev.traceyard.collector.extension.auth.AuthSettings} for the {@code auth.authenticator} key that
 * names one of them. Secrets are compared in constant time and never logged or shown by
 * {@code toString()}.
 */
package dev.traceyard.collector.extension.auth;
