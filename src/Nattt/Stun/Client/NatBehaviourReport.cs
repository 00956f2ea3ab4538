using System.Net;

namespace Nattt.Stun.Client;

/// <summary>RFC 4787 / RFC 5780 classes of mapping and filtering behaviour.</summary>
public enum NatBehaviour
{
    /// <summary>Not determined (the server lacks RFC 5780 support, or a test got no answer).</summary>
    Unknown,
    /// <summary>No NAT: the mapped address is the local address.</summary>
    NoNat,
    EndpointIndependent,
    AddressDependent,
    AddressAndPortDependent,
}

/// <summary>The outcome of a behaviour discovery run (RFC 5780 section 4). Immutable.</summary>
public sealed record NatBehaviourReport
{
    public required IPEndPoint Server { get; init; }
    public IPEndPoint? LocalEndPoint { get; init; }
    public IPEndPoint? MappedAddress { get; init; }
    public string? ServerSoftware { get; init; }
    /// <summary>Null when the server never answered.</summary>
    public bool? BehindNat { get; init; }
    public IPEndPoint? OtherAddress { get; init; }
    public bool ServerSupportsRfc5780 => OtherAddress is not null;
    public NatBehaviour Mapping { get; init; }
    public NatBehaviour Filtering { get; init; }
    /// <summary>Null when not tested.</summary>
    public bool? Hairpinning { get; init; }
    /// <summary>The longest idle time after which a binding was seen alive (lifetime probing only).</summary>
    public TimeSpan? BindingLifetimeAtLeast { get; init; }
    /// <summary>The shortest idle time after which a binding was seen gone; null if none died within the bound.</summary>
    public TimeSpan? BindingLifetimeAtMost { get; init; }
    public bool BindingLifetimeMeasured { get; init; }
    public string? Error { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
}
