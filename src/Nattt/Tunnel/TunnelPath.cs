using System.Net;

namespace Nattt.Tunnel;

/// <summary>
/// Where a NATTT destination is: the ordered tunnel hops, outermost first (each a NATTT box or proxy: its address and
/// UDP tunnel port), then the destination host's private address. Together they identify the host uniquely, which
/// neither part does alone (the paper's "non-uniqueness" problem). Immutable; thread-safe.
/// </summary>
public sealed class TunnelPath : IEquatable<TunnelPath>
{
    public TunnelPath(IReadOnlyList<IPEndPoint> hops, IPAddress destination)
    {
        ArgumentNullException.ThrowIfNull(hops);
        ArgumentNullException.ThrowIfNull(destination);
        if (hops.Count == 0) throw new ArgumentException("a tunnel path needs at least one hop", nameof(hops));
        Hops = hops.ToArray();
        Destination = destination;
    }

    /// <summary>The boxes to tunnel through, outermost first.</summary>
    public IReadOnlyList<IPEndPoint> Hops { get; }

    /// <summary>The destination host's address inside the innermost box's network.</summary>
    public IPAddress Destination { get; }

    public bool Equals(TunnelPath? other) =>
        other is not null && Destination.Equals(other.Destination) && Hops.SequenceEqual(other.Hops);

    public override bool Equals(object? obj) => Equals(obj as TunnelPath);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var hop in Hops) h.Add(hop);
        h.Add(Destination);
        return h.ToHashCode();
    }

    /// <summary>Presentation form: <c>203.0.113.1:100 > 10.0.0.1:100 > 10.1.0.5</c>.</summary>
    public override string ToString() => string.Join(" > ", Hops.Select(h => h.ToString())) + " > " + Destination;
}

/// <summary>
/// The client daemon's table of stand-in addresses, as the DNS proxy sees it. Implemented by the client data plane.
/// Thread-safe: the DNS proxy calls it from its own tasks.
/// </summary>
public interface IStandInMappings
{
    /// <summary>Returns the stand-in address for <paramref name="path"/> in the family asked for (IPv4 for A, IPv6 for
    /// AAAA), allocating one and installing the mapping in the data plane if there is none; keeps the mapping for at
    /// least <paramref name="validFor"/> from now, and as long as flows use it. Null when the pool is exhausted or has no
    /// address of that family.</summary>
    IPAddress? MapOrRefresh(TunnelPath path, string name, System.Net.Sockets.AddressFamily family, TimeSpan validFor);

    /// <summary>The name a stand-in address was handed out for (for PTR answers), if it is one of ours.</summary>
    bool TryGetName(IPAddress standIn, out string name);
}
