namespace Nattt.Stun.Server;

/// <summary>Behaviour of <see cref="StunServerEngine"/>. Validated by the engine's constructor.</summary>
public sealed class StunServerOptions
{
    /// <summary>SOFTWARE sent in responses; null or empty sends none. Defaults to "nattt". Naming the software
    /// helps debugging and tells an attacker what runs; set it empty to hide it.</summary>
    public string? Software { get; set; } = "nattt";

    /// <summary>Honour RESPONSE-PORT (RFC 5780 section 7.5) over UDP: answer to the client's IP at another port.
    /// Needed for binding-lifetime discovery. The target is always the sender's own IP, so this cannot reflect
    /// traffic to a third party. Defaults to true.</summary>
    public bool AllowResponsePort { get; set; } = true;

    /// <summary>Honour PADDING (RFC 5780 section 7.6) over UDP by padding the response to the request's size, no
    /// more (no amplification). Defaults to true.</summary>
    public bool AllowPadding { get; set; } = true;

    /// <summary>Also send MAPPED-ADDRESS to RFC 5389/8489 clients (old clients that ignore XOR-MAPPED-ADDRESS).
    /// RFC 3489 clients always get MAPPED-ADDRESS. Defaults to false.</summary>
    public bool IncludeMappedAddress { get; set; }

    /// <summary>Require long-term credentials (RFC 8489 section 9.2) on every request; responses are then signed
    /// with the same key. Null (the default) answers anyone, as public STUN servers do.</summary>
    public Nattt.Stun.Auth.StunLongTermAuthenticator? Authenticator { get; set; }
}
