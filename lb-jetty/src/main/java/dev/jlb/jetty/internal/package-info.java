/**
 * Helpers shared by lb-jetty's packages. Not API: anything here may change in any release without
 * notice.
 */
package dev.jlb.jetty.internal;
