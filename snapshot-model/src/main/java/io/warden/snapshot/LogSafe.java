package io.warden.snapshot;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What of a URL may go into a log line: scheme, host, port and path. User info and query string are where hosted MCP
 * servers and Redis URLs carry credentials ({@code ?api_key=}, {@code user:password@}), and a fragment may too. Every
 * log line that prints a URL, or text that may hold one (an exception's message), goes through here. Pure.
 */
public final class LogSafe {

    /** A URL-like token in free text: a scheme, {@code ://}, then anything up to whitespace or a quote. */
    private static final Pattern URL_IN_TEXT = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>]*");
    /** A query parameter anywhere in free text (a URL with a space in it is no longer one token). */
    private static final Pattern QUERY_IN_TEXT = Pattern.compile("[?&][^\\s?&=#]+=[^\\s\"'<>]*");

    private LogSafe() {}

    /** {@code scheme://host:port/path} of a URL, without user info, query or fragment. */
    public static String url(URI url) {
        if (url == null) {
            return "null";
        }
        if (url.getScheme() == null || url.getRawAuthority() == null) {
            return url(url.toString());
        }
        String host = url.getHost() != null ? url.getHost() : hostOf(url.getRawAuthority());
        StringBuilder sb = new StringBuilder(url.getScheme()).append("://").append(host);
        if (url.getPort() >= 0) {
            sb.append(':').append(url.getPort());
        }
        if (url.getRawPath() != null) {
            sb.append(url.getRawPath());
        }
        return sb.toString();
    }

    /** {@link #url(URI)} for text that may not even parse as a URL: user info and everything from ? or # are cut. */
    public static String url(String url) {
        if (url == null) {
            return "null";
        }
        String s = url;
        int cut = firstOf(s, '?', '#');
        if (cut >= 0) {
            s = s.substring(0, cut);
        }
        int scheme = s.indexOf("://");
        int authority = scheme < 0 ? 0 : scheme + 3;
        int pathStart = s.indexOf('/', authority);
        int at = s.lastIndexOf('@', pathStart < 0 ? s.length() - 1 : pathStart - 1);
        if (at >= authority) {
            s = s.substring(0, authority) + s.substring(at + 1);
        }
        return s;
    }

    /**
     * Free text (an exception's message, a parser's complaint) with every URL in it cut to {@link #url(String)}, and
     * anything that looks like a query parameter ({@code ?key=value}, {@code &key=value}) removed.
     */
    public static String text(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = URL_IN_TEXT.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(url(m.group())));
        }
        m.appendTail(sb);
        return QUERY_IN_TEXT.matcher(sb).replaceAll("");
    }

    private static String hostOf(String authority) {
        int at = authority.lastIndexOf('@');
        return at < 0 ? authority : authority.substring(at + 1);
    }

    private static int firstOf(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }
}
