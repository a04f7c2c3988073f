package org.sfu.signaling.config;

/**
 * A value the server refuses, with a message an operator can act on alone: which setting, where the value came from,
 * and what is allowed. {@code SfuServer.main} prints it and exits with status 2, no stack trace.
 */
public final class InvalidSettingException extends IllegalArgumentException {

    public InvalidSettingException(String message) {
        super(message);
    }

    static InvalidSettingException of(Setting<?> setting, String origin, String text, String reason) {
        String shown = setting.secret() ? "(secret, not shown)" : "'" + text + "'";
        return new InvalidSettingException("Invalid " + setting.key() + " " + shown + " from " + origin
                + (reason == null || reason.isBlank() ? "" : ": " + reason) + ". Allowed: "
                + setting.format().allowed() + " (" + setting.env() + ", " + setting.flag() + ", default "
                + setting.defaultText() + ")");
    }
}
