namespace Nattt.Stun.Client;

/// <summary>What <see cref="StunBehaviourDiscovery"/> tests.</summary>
public sealed class StunBehaviourDiscoveryOptions
{
    /// <summary>Test hairpinning (RFC 5780 section 4.5). Defaults to true (one short transaction).</summary>
    public bool Hairpinning { get; set; } = true;

    /// <summary>Measure the binding lifetime (RFC 5780 section 4.6): takes up to about twice
    /// <see cref="LifetimeMax"/>. Defaults to false.</summary>
    public bool Lifetime { get; set; }

    /// <summary>The longest idle time probed. Defaults to 120 s.</summary>
    public TimeSpan LifetimeMax { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>The shortest idle time probed. Defaults to 2 s.</summary>
    public TimeSpan LifetimeMin { get; set; } = TimeSpan.FromSeconds(2);
}
