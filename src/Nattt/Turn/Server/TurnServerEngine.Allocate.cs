using System.Net;
using System.Net.Sockets;
using Nattt.Stun.Wire;
using Nattt.Turn.Policy;

namespace Nattt.Turn.Server;

/// <summary>Allocate (RFC 8656 section 7.2, RFC 6156) and Refresh (section 7.3).</summary>
public sealed partial class TurnServerEngine
{
    private void OnAllocate(in TurnClientKey client, in StunMessageReader request, byte[]? key, string username, DateTimeOffset now)
    {
        if (_allocations.TryGetValue(client, out var existing))
        {
            // A retransmission of the request that made it gets the same success; anything else is a mismatch.
            if (request.TransactionId.SequenceEqual(existing.AllocateTransactionId)) _io.SendToClient(client, existing.AllocateResponse);
            else SendError(client, request, 437, "Allocation Mismatch", key);
            return;
        }
        var transportError = RequestedTransportAttribute.Read(request, out byte protocol);
        if (transportError != StunError.None) { SendError(client, request, 400, "Bad Request: REQUESTED-TRANSPORT", key); return; }
        if (protocol != RequestedTransportAttribute.Udp) { SendError(client, request, 442, "Unsupported Transport Protocol", key); return; }

        bool hasToken = request.Has(StunAttributeType.ReservationToken);
        bool hasEvenPort = request.Has(StunAttributeType.EvenPort);
        var familyError = RequestedAddressFamilyAttribute.Read(request, out var family);
        var additionalError = AdditionalAddressFamilyAttribute.Read(request, out var additional);
        if ((familyError != StunError.AttributeMissing && (hasToken || additionalError != StunError.AttributeMissing)) ||
            (hasToken && hasEvenPort))
        {
            SendError(client, request, 400, "Bad Request: conflicting attributes", key);
            return;
        }
        if (familyError is StunError.AddressFamilyUnknown) { SendError(client, request, 440, "Address Family not Supported", key); return; }
        if (familyError is not (StunError.None or StunError.AttributeMissing) || additionalError is not (StunError.None or StunError.AttributeMissing))
        {
            SendError(client, request, 400, "Bad Request: address family", key);
            return;
        }
        if (additionalError == StunError.None && additional != StunAddressFamily.IPv6)
        {
            SendError(client, request, 400, "Bad Request: ADDITIONAL-ADDRESS-FAMILY must be IPv6", key);
            return;
        }
        if (hasToken) { SendError(client, request, 508, "Insufficient Capacity: reservation tokens are not supported", key); return; }
        bool reserveNext = false;
        if (hasEvenPort && EvenPortAttribute.Read(request, out reserveNext) != StunError.None)
        {
            SendError(client, request, 400, "Bad Request: EVEN-PORT", key);
            return;
        }
        if (reserveNext) { SendError(client, request, 508, "Insufficient Capacity: port reservation is not supported", key); return; }

        int userCount = _allocationsPerUser.GetValueOrDefault(username);
        if (_options.UserQuota > 0 && userCount >= _options.UserQuota) { SendError(client, request, 486, "Allocation Quota Reached", key); return; }
        if (_options.TotalQuota > 0 && _allocations.Count >= _options.TotalQuota) { SendError(client, request, 508, "Insufficient Capacity", key); return; }

        var addressFamily = familyError == StunError.None && family == StunAddressFamily.IPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        if (!_io.TryOpenRelay(addressFamily, hasEvenPort, out var relayed, out var handle, out bool familyUnsupported))
        {
            if (familyUnsupported) SendError(client, request, 440, "Address Family not Supported", key);
            else SendError(client, request, 508, "Insufficient Capacity", key);
            return;
        }
        int lifetime = DesiredLifetime(request);
        long stamp = _time.GetTimestamp();
        var allocation = new TurnAllocation(client, username, key ?? [], relayed!, handle,
            new TokenBucket(_options.MaxBps, stamp, _time.TimestampFrequency), new TokenBucket(_options.MaxBps, stamp, _time.TimestampFrequency))
        {
            Expires = now.AddSeconds(lifetime),
            AllocateTransactionId = request.TransactionId.ToArray(),
        };
        _allocations[client] = allocation;
        _allocationsPerUser[username] = userCount + 1;
        Counters.AllocationsCreated++;
        _io.StartRelay(allocation);

        var writer = StartResponse(request, StunClass.SuccessResponse);
        XorRelayedAddressAttribute.TryWrite(ref writer, allocation.Relayed);
        if (additionalError == StunError.None)
            AddressErrorCodeAttribute.TryWrite(ref writer, StunAddressFamily.IPv6, 440, "Address Family not Supported");
        LifetimeAttribute.TryWrite(ref writer, (uint)lifetime);
        XorMappedAddressAttribute.TryWrite(ref writer, client.Client);
        SoftwareAttribute.TryWrite(ref writer, _options.Software);
        allocation.AllocateResponse = Finish(ref writer, client, request, key).ToArray();
        TurnServerLog.AllocationCreated(_logger, allocation.Relayed.ToString(), client.ToString(), username, lifetime);
    }

    private void OnRefresh(in TurnClientKey client, in StunMessageReader request, byte[]? key, DateTimeOffset now)
    {
        if (!_allocations.TryGetValue(client, out var allocation)) { SendError(client, request, 437, "Allocation Mismatch", key); return; }
        if (RequestedAddressFamilyAttribute.Read(request, out var family) == StunError.None &&
            (family == StunAddressFamily.IPv6) != (FamilyOf(allocation.Relayed) == AddressFamily.InterNetworkV6))
        {
            SendError(client, request, 443, "Peer Address Family Mismatch", key);
            return;
        }
        int lifetime = DesiredLifetime(request);
        if (lifetime == 0) Delete(allocation, expired: false);
        else allocation.Expires = now.AddSeconds(lifetime);
        var writer = StartResponse(request, StunClass.SuccessResponse);
        LifetimeAttribute.TryWrite(ref writer, (uint)lifetime);
        SoftwareAttribute.TryWrite(ref writer, _options.Software);
        Finish(ref writer, client, request, key);
    }

    /// <summary>RFC 8656 sections 7.2 and 7.3: 0 stays 0 (delete), otherwise min(asked, maximum) but at least the default.</summary>
    private int DesiredLifetime(in StunMessageReader request)
    {
        if (LifetimeAttribute.Read(request, out uint asked) != StunError.None) return Math.Min(DefaultLifetimeSeconds, _options.MaxAllocateLifetimeSeconds);
        if (asked == 0) return request.Method == StunMethod.Refresh ? 0 : DefaultLifetimeSeconds;
        long desired = Math.Min(asked, (uint)_options.MaxAllocateLifetimeSeconds);
        return (int)Math.Max(desired, Math.Min(DefaultLifetimeSeconds, _options.MaxAllocateLifetimeSeconds));
    }
}
