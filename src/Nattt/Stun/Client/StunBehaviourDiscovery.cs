using System.Net;
using Nattt.Stun.Wire;

namespace Nattt.Stun.Client;

/// <summary>
/// NAT behaviour discovery against an RFC 5780 server (RFC 5780 section 4):
/// <list type="number">
/// <item>Test I (socket A → primary): the mapped address; OTHER-ADDRESS says the server can do the rest. A mapped
/// address equal to the local one means no NAT.</item>
/// <item>Mapping (4.3), socket A: test II to the alternate IP, primary port. Same mapped address as test I →
/// endpoint-independent. Otherwise test III to the alternate IP and port: same as test II → address-dependent,
/// else address-and-port-dependent.</item>
/// <item>Filtering (4.4), a fresh socket B (so that A's traffic to the alternate address cannot open the filter):
/// test I, then test II with CHANGE-REQUEST "IP and port": answered → endpoint-independent; else test III with
/// "port": answered → address-dependent, else address-and-port-dependent.</item>
/// <item>Hairpinning (4.5): socket C sends to A's mapped address; does A receive it?</item>
/// <item>Binding lifetime (4.6, optional): sockets X_i make bindings at once; after T_i idle, socket Y asks the
/// server to answer to X_i's mapped port (RESPONSE-PORT). Received → alive at T_i. Doubling T_i, then a second
/// round between the last alive and the first dead.</item>
/// </list>
/// Thread-safe: each run uses its own sockets.
/// </summary>
public sealed class StunBehaviourDiscovery(IStunTransportFactory sockets, StunBindingClient client, TimeProvider time)
{
    public async Task<NatBehaviourReport> RunAsync(IPEndPoint server, StunBehaviourDiscoveryOptions options, CancellationToken cancellationToken = default)
    {
        var notes = new List<string>();
        using var a = sockets.Create(server);
        var local = new IPEndPoint(sockets.LocalAddressToward(server), a.LocalEndPoint.Port);
        var test1 = await client.RequestAsync(a, server, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (test1 is null)
            return new NatBehaviourReport { Server = server, LocalEndPoint = local, Error = $"no answer from {server} (UDP blocked, or no STUN server there)" };
        if (!test1.IsSuccess)
            return new NatBehaviourReport { Server = server, LocalEndPoint = local, Error = $"the server answered error {test1.ErrorCode} {test1.ErrorReason}" };

        var mapped = test1.Mapped!;
        bool behindNat = !mapped.Equals(local);
        var report = new NatBehaviourReport
        {
            Server = server, LocalEndPoint = local, MappedAddress = mapped, BehindNat = behindNat,
            OtherAddress = test1.OtherAddress, ServerSoftware = test1.Software,
        };
        if (test1.OtherAddress is null)
        {
            notes.Add("the server does not support RFC 5780 (no OTHER-ADDRESS): mapping and filtering cannot be tested");
            return report with { Notes = notes };
        }
        var other = test1.OtherAddress;
        if (other.Address.Equals(server.Address) || other.Port == server.Port)
            notes.Add($"OTHER-ADDRESS {other} does not differ from {server} in both address and port; results may be wrong");

        var mapping = behindNat ? await MappingAsync(a, server, other, mapped, notes, cancellationToken).ConfigureAwait(false) : NatBehaviour.NoNat;
        var filtering = await FilteringAsync(server, notes, cancellationToken).ConfigureAwait(false);
        bool? hairpinning = null;
        if (options.Hairpinning && behindNat)
        {
            using var c = sockets.Create(server);
            hairpinning = await client.ProbeDeliveryAsync(c, mapped, a, cancellationToken).ConfigureAwait(false);
        }
        report = report with { Mapping = mapping, Filtering = filtering, Hairpinning = hairpinning };
        if (options.Lifetime)
            report = await new StunLifetimeProbe(sockets, client, time).RunAsync(report, options, notes, cancellationToken).ConfigureAwait(false);
        return report with { Notes = notes };
    }

    private async Task<NatBehaviour> MappingAsync(IStunDatagramTransport a, IPEndPoint server, IPEndPoint other, IPEndPoint mapped1,
        List<string> notes, CancellationToken cancellationToken)
    {
        var test2 = await client.RequestAsync(a, new IPEndPoint(other.Address, server.Port), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (test2?.Mapped is null)
        {
            notes.Add($"mapping test II: no answer from {other.Address}:{server.Port}");
            return NatBehaviour.Unknown;
        }
        if (test2.Mapped.Equals(mapped1)) return NatBehaviour.EndpointIndependent;
        var test3 = await client.RequestAsync(a, other, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (test3?.Mapped is null)
        {
            notes.Add($"mapping test III: no answer from {other}");
            return NatBehaviour.Unknown;
        }
        return test3.Mapped.Equals(test2.Mapped) ? NatBehaviour.AddressDependent : NatBehaviour.AddressAndPortDependent;
    }

    private async Task<NatBehaviour> FilteringAsync(IPEndPoint server, List<string> notes, CancellationToken cancellationToken)
    {
        using var b = sockets.Create(server);
        var test1 = await client.RequestAsync(b, server, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (test1?.Mapped is null)
        {
            notes.Add("filtering test I: no answer on a second socket");
            return NatBehaviour.Unknown;
        }
        var both = new StunBindingRequestOptions(StunChangeRequest.ChangeIP | StunChangeRequest.ChangePort);
        var test2 = await client.RequestAsync(b, server, both, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (test2 is { ErrorCode: not null })
        {
            notes.Add($"the server refused CHANGE-REQUEST: {test2.ErrorCode} {test2.ErrorReason}");
            return NatBehaviour.Unknown;
        }
        if (test2 is not null) return NatBehaviour.EndpointIndependent;
        var port = new StunBindingRequestOptions(StunChangeRequest.ChangePort);
        var test3 = await client.RequestAsync(b, server, port, cancellationToken: cancellationToken).ConfigureAwait(false);
        return test3 is { ErrorCode: null } ? NatBehaviour.AddressDependent : NatBehaviour.AddressAndPortDependent;
    }
}
